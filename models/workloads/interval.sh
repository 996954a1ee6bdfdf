#!/bin/sh
# Benign: interval arithmetic (branch-and-bound global minimisation with rigorous bounds) that switches the
# SSE rounding mode down and up around every operation with fesetround, as RandomX's CFROUND does, one thread.
# Usage: interval.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign interval "${1:-}"
wl_need_miner # builds the corpus's C programs, interval among them
wl_record -- "$WL_WORK/bin/interval"
