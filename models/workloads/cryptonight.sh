#!/bin/sh
# Miner: CryptoNight-style (cjd-miner's own: AES rounds, 64-bit multiplies, 2 MiB scratchpad per thread), 2 threads.
# Usage: cryptonight.sh sim|real   (see lib.sh; in real mode it mines for a stand-in pool over stratum/TCP)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner cryptonight "${1:-}"
wl_need_miner
# One hash is ~20 ms of one thread here: a pool's starting difficulty of 2^10 gives a share
# every ~10 s at two threads, which is what the stand-in pool's vardiff aims at anyway.
wl_record --setup-uninstrumented --limit 4G -- \
	"$MINER" $POOL --algo cryptonight --threads 2 --difficulty 10 --seconds 1000000000
