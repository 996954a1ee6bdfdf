#!/bin/sh
# Miner: RandomX light mode as randomx-light.sh, one thread.
# Usage: randomx-light-1t.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner randomx-light-1t "${1:-}"
wl_need_miner
wl_record -- "$MINER" $POOL --algo randomx-light --threads 1 --seconds 1000000000
