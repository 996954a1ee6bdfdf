#!/bin/sh
# Benign: a Perl loop: regex-parse log lines, count words in hashes, sort, sprintf reports, one thread.
# Usage: perl.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign perl "${1:-}"
wl_need_inputs
wl_record -- perl "$WL_DIR/src/loop.pl" "$WL_INPUTS/text.txt"
