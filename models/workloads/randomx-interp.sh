#!/bin/sh
# Miner: RandomX light mode with the interpreter (what xmrig falls back to without JIT), 2 threads.
# Usage: randomx-interp.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner randomx-interp "${1:-}"
wl_need_miner
wl_record --setup-uninstrumented --limit 3G -- \
	"$MINER" $POOL --algo randomx-light --opt interp --threads 2 --seconds 1000000000
