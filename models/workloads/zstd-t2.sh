#!/bin/sh
# Benign: zstd -8 as zstd.sh, but with two worker threads (-T2).
# Usage: zstd-t2.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign zstd-t2 "${1:-}"
wl_need_inputs
wl_record -- sh -c 'while :; do zstd -8 -T2 -q -c "$1"; done' sh "$WL_INPUTS/text.txt"
