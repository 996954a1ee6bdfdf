#!/bin/sh
# Benign: a parallel build, make -j2 of cjd itself (its cmake-generated Makefiles: compiles, archives, links),
# cleaned and rebuilt again and again.
# Usage: make-j2.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign make-j2 "${1:-}"
# Configure outside the recording: only the build is the workload.
cmake -S "$WL_ROOT" -B "$WL_TMP/build" -DCMAKE_BUILD_TYPE=Release >"$WL_TMP/cmake.log" 2>&1 \
	|| { cat "$WL_TMP/cmake.log" >&2; wl_die "cmake failed"; }
wl_record -- sh -c 'while :; do make -s -C "$1" clean && make -s -C "$1" -j2 cjd >/dev/null || exit 1; done' sh "$WL_TMP/build"
