#!/bin/sh
# Miner: Blake2b (Sia-style 80-byte header, OpenSSL 3's BLAKE2B-512 through EVP), 2 threads, stratum to the netns pool.
# Usage: blake2b.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner blake2b "${1:-}"
wl_need_miner
# ~0.7 MH/s per thread here: 2^24 hashes a share is one every ~12 s at two threads.
wl_record -- "$MINER" $POOL --algo blake2b --threads 2 --difficulty 24 --seconds 1000000000
