#!/bin/sh
# Benign: a Ruby loop (CRuby's interpreter): n-queens, structs in arrays, a word index of text, one thread.
# Usage: ruby.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign ruby "${1:-}"
wl_need_inputs
wl_record -- ruby "$WL_DIR/src/loop.rb" "$WL_INPUTS/text.txt"
