#!/bin/sh
# Evasion (issue 8): the randomx-light miner one thread sharing its cgroup with a benign xz loop.
# Usage: evade-mixed-randomx-light.sh real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init mixed randomx-light "${1:-}"
evade_mixed
