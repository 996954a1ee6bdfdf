#!/bin/sh
# Benign: bulk hashing, sha256sum (coreutils) over a 192 MiB file, again and again.
# Usage: sha256sum.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign sha256sum "${1:-}"
wl_need_inputs
# Hash compression functions are long unrolled basic blocks: dump every 50K blocks.
wl_record --bb 50K -- sh -c 'while :; do sha256sum "$1"; done' sh "$WL_INPUTS/random.bin"
