#!/bin/sh
# Benign: xz -6 (LZMA2, 8 MiB dictionary) of text and logs, single-threaded, again and again.
# Usage: xz.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign xz "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do head -c 8000000 "$1" | xz -6 -T1 -c; done' sh "$WL_INPUTS/text.txt"
