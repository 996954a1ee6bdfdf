#!/bin/sh
# Benign: numeric.sh's kernels built with -ffast-math, two threads: crtfastmath.o sets flush-to-zero and
# denormals-are-zero in MXCSR at start-up, as miners set them (the hard case for the FP-state evidence).
# Usage: numeric-fastmath.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign numeric-fastmath "${1:-}"
wl_need_miner # builds the corpus's C programs, numkern-fastmath among them
wl_record -- "$WL_WORK/bin/numkern-fastmath" 2
