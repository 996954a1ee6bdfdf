#!/bin/sh
# Benign: a C++ compiler, g++ -O2 -std=c++17 of one heavy translation unit (templates, STL, variant,
# regex; ~20 s a compile here), again and again, one thread.
# Usage: cxx.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign cxx "${1:-}"
wl_record -- sh -c 'while :; do g++ -O2 -std=c++17 -c "$1" -o "$2/heavy.o" || exit 1; done' sh "$WL_DIR/src/heavy.cpp" "$WL_TMP"
