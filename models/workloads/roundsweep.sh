#!/bin/sh
# Benign: Kahan's rounding-mode sensitivity test: numerical kernels rerun in all four rounding modes (toward zero too), one thread.
# Usage: roundsweep.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign roundsweep "${1:-}"
wl_need_miner # builds the corpus's C programs, roundsweep among them
wl_record -- "$WL_WORK/bin/roundsweep"
