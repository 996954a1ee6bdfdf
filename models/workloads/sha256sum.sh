#!/bin/sh
# Benign: bulk hashing, sha256sum (coreutils) over a 192 MiB file, again and again.
# Usage: sha256sum.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign sha256sum "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do sha256sum "$1"; done' sh "$WL_INPUTS/random.bin"
