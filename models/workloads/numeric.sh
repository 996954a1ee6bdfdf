#!/bin/sh
# Benign: numeric kernels in C (n-body, a blocked float matrix product, a Jacobi stencil), -O2, one thread:
# MXCSR left at its default (compare numeric-fastmath.sh).
# Usage: numeric.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign numeric "${1:-}"
wl_need_miner # builds the corpus's C programs, numkern among them
wl_record -- "$WL_WORK/bin/numkern" 1
