#!/bin/sh
# Benign: xz -6 as xz.sh, but with two threads (-T2): a parallel compressor keeps both CPUs busy.
# Usage: xz-t2.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign xz-t2 "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do xz -6 -T2 -c "$1"; done' sh "$WL_INPUTS/text.txt"
