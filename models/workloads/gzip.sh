#!/bin/sh
# Benign: gzip -6 of 48 MiB of text and logs, again and again.
# Usage: gzip.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign gzip "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do gzip -6 -c "$1"; done' sh "$WL_INPUTS/text.txt"
