#!/bin/sh
# Miner: SHA-256d as sha256d.sh, one thread (miners are often limited to fewer threads than CPUs).
# Usage: sha256d-1t.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner sha256d-1t "${1:-}"
wl_need_miner
wl_record -- "$MINER" $POOL --algo sha256d --threads 1 --difficulty 24 --seconds 1000000000
