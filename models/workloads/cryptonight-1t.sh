#!/bin/sh
# Miner: CryptoNight-style as cryptonight.sh, one thread.
# Usage: cryptonight-1t.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner cryptonight-1t "${1:-}"
wl_need_miner
wl_record -- "$MINER" $POOL --algo cryptonight --threads 1 --difficulty 10 --seconds 1000000000
