#!/bin/sh
# Evasion (issue 8): the sha256d miner one thread sharing its cgroup with a benign xz loop.
# Usage: evade-mixed-sha256d.sh sim|real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init mixed sha256d "${1:-}"
evade_mixed
