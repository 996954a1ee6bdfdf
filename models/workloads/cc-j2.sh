#!/bin/sh
# Benign: the C compile of cc.sh, two compilers at once (as make -j2).
# Usage: cc-j2.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign cc-j2 "${1:-}"
wl_record -- sh -c 'cd "$1" && while :; do ls common/*.c | xargs -P 2 -I{} gcc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Icommon -c {} -o /dev/null || exit 1; done' sh "$WL_ROOT"
