#!/bin/sh
# Evasion (issue 13): the sha256d miner spread over 4 Docker containers of one image, one thread
# each at 25 % duty (the spread4 evasion in containers). One trace of 4 cgroups, and their names.
# Usage: evade-ctr4-sha256d.sh real   (see ctr_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
EV_HOW=ctr4 EV_ALGO=sha256d
ctr_init miner evade-ctr4-sha256d "${1:-}"
wl_need_miner
evade_duty 25
ctr_image "$MINER" "$MINER"
ctr_run_record $POOL --algo sha256d --threads 1 --throttle "$EV_BUSY,$EV_SLEEP_MS" \
	--seconds 1000000000
