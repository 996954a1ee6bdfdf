#!/bin/sh
# Benign: a C compile, gcc -O2 over cjd's own common/*.c, again and again.
# Usage: cc.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign cc "${1:-}"
wl_record -- sh -c 'cd "$1" && while :; do for f in common/*.c; do gcc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Icommon -c "$f" -o "$2/x.o" || exit 1; done; done' sh "$WL_ROOT" "$WL_TMP"
