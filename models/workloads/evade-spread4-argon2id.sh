#!/bin/sh
# Evasion (issue 8): the argon2id miner spread over 4 cgroups, one thread each at 25 % duty.
# Usage: evade-spread4-argon2id.sh real   (see evade_lib.sh; evaluation only, never trained on)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/evade_lib.sh"
evade_init spread4 argon2id "${1:-}"
evade_spread4
