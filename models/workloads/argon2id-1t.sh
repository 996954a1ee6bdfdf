#!/bin/sh
# Miner: Argon2id (chukwa) as argon2id.sh, one thread.
# Usage: argon2id-1t.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner argon2id-1t "${1:-}"
wl_need_miner
wl_record -- "$MINER" $POOL --algo argon2id --threads 1 --difficulty 8 --seconds 1000000000
