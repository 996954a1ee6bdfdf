#!/bin/sh
# Benign: a CPython loop: tokenise text, count words in dicts, regex, JSON round trips.
# Usage: python.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign python "${1:-}"
wl_need_inputs
wl_record -- "$PY" "$WL_DIR/src/pyloop.py" "$WL_INPUTS/text.txt"
