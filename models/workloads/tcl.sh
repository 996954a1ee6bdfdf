#!/bin/sh
# Benign: a Tcl 8.6 loop: a prime sieve in lists, string maps and splits, dicts, lsort, one thread.
# Usage: tcl.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign tcl "${1:-}"
wl_need_inputs
wl_record -- tclsh "$WL_DIR/src/loop.tcl" "$WL_INPUTS/text.txt"
