#!/bin/sh
# Benign: sort (coreutils, one thread, C locale) of 48 MiB of text, again and again.
# Usage: sort.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign sort "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do LC_ALL=C sort --parallel=1 -S 128M "$1" -o "$2/sorted" || exit 1; done' sh "$WL_INPUTS/text.txt" "$WL_TMP"
