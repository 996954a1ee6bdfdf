#!/bin/sh
# Benign: an audio encoder, lame (MP3, -V2, psychoacoustic model, SSE float code) on a generated
# 60 s stereo WAV, again and again, one thread.
# Usage: lame.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign lame "${1:-}"
wl_need_inputs
command -v lame >/dev/null 2>&1 || wl_die "lame is not installed"
wl_record -- sh -c 'while :; do lame --quiet -V2 "$1" "$2/out.mp3" || exit 1; done' sh "$WL_INPUTS/music.wav" "$WL_TMP"
