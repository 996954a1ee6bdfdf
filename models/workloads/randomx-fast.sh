#!/bin/sh
# Miner: Monero RandomX, fast mode (2 GiB dataset, JIT), 2 threads, via Debian's librandomx.
# Usage: randomx-fast.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner randomx-fast "${1:-}"
wl_need_miner
# Dataset initialisation (2 GiB) runs uninstrumented; only hashing is simulated.
# JIT-compiled RandomX code runs ~40 instructions per basic block: dump every 125K blocks.
wl_record --setup-uninstrumented --bb 125K --limit 4G -- \
	"$MINER" $POOL --algo randomx-fast --threads 2 --seconds 1000000000
