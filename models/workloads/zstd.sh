#!/bin/sh
# Benign: zstd -8 of text and logs, single-threaded, again and again.
# Usage: zstd.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign zstd "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do zstd -8 -T1 -q -c "$1"; done' sh "$WL_INPUTS/text.txt"
