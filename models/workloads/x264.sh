#!/bin/sh
# Benign: a video encoder, x264 (H.264, preset medium, two threads) on a generated 352x288 clip of a camera
# panning over a textured scene, again and again.
# Usage: x264.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign x264 "${1:-}"
wl_need_inputs
command -v x264 >/dev/null 2>&1 || wl_die "x264 is not installed"
wl_record -- sh -c 'while :; do x264 --quiet --preset medium --threads 2 --crf 23 -o "$2/out.264" "$1" 2>/dev/null || exit 1; done' sh "$WL_INPUTS/scene.y4m" "$WL_TMP"
