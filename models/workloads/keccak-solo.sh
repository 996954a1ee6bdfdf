#!/bin/sh
# Miner: SHA3-256/Keccak (MaxCoin-style 80-byte header, OpenSSL EVP), 2 threads, solo: no pool, no network at all.
# Usage: keccak-solo.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
WL_POOL=none # a solo/offline miner: it hashes a fixed job and keeps its shares
. "$(dirname "$0")/lib.sh"
wl_init miner keccak-solo "${1:-}"
wl_need_miner
wl_record -- "$MINER" --algo keccak --threads 2 --difficulty 24 --seconds 1000000000
