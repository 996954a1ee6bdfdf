#!/bin/sh
# Evasion (issue 8): the argon2id miner in 2 s bursts (2 threads) with 8 s sleeps.
# Usage: evade-burst-argon2id.sh real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init burst argon2id "${1:-}"
evade_burst
