#!/bin/sh
# Miner: Monero RandomX, light mode (256 MiB cache, JIT), 2 threads, via Debian's librandomx.
# Usage: randomx-light.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner randomx-light "${1:-}"
wl_need_miner
# The cache is built before CALLGRIND_START_INSTRUMENTATION: only hashing is simulated.
# JIT-compiled RandomX code runs ~40 instructions per basic block: dump every 125K blocks.
wl_record --setup-uninstrumented --bb 125K --limit 4G -- \
	"$MINER" $POOL --algo randomx-light --threads 2 --seconds 1000000000
