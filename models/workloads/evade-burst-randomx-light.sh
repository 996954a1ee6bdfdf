#!/bin/sh
# Evasion (issue 8): the randomx-light miner in 2 s bursts (2 threads) with 8 s sleeps.
# Usage: evade-burst-randomx-light.sh real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init burst randomx-light "${1:-}"
evade_burst
