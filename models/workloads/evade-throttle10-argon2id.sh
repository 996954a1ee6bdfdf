#!/bin/sh
# Evasion (issue 8): the argon2id miner duty-cycled to 10 % of one CPU.
# Usage: evade-throttle10-argon2id.sh sim|real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init throttle10 argon2id "${1:-}"
evade_throttle10
