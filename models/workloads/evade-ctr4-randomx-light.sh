#!/bin/sh
# Evasion (issue 13): the randomx-light miner spread over 4 Docker containers of one image, one
# thread each at 25 % duty (evade-ctr4-sha256d.sh with RandomX: each container builds its own
# 256 MiB cache first, a few seconds at full speed, then hashes). One trace of 4 cgroups.
# Usage: evade-ctr4-randomx-light.sh real   (see ctr_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
EV_HOW=ctr4 EV_ALGO=randomx-light
ctr_init miner evade-ctr4-randomx-light "${1:-}"
wl_need_miner
evade_duty 25
ctr_image "$MINER" "$MINER"
ctr_run_record $POOL --algo randomx-light --threads 1 --throttle "$EV_BUSY,$EV_SLEEP_MS" \
	--seconds 1000000000
