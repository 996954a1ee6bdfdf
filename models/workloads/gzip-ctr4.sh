#!/bin/sh
# Benign (issue 13): gzip -6 of 48 MiB of text and logs, again and again, in 4 Docker containers
# of one image: a multi-container job the aggregate (per-image) alert must not flag.
# Usage: gzip-ctr4.sh real   (see ctr_lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_init benign gzip-ctr4 "${1:-}"
wl_need_inputs
ctr_image /bin/sh /bin/sh "$(command -v gzip)"
ctr_run_record -v "$WL_INPUTS:/in:ro" -- -c 'while :; do gzip -6 -c /in/text.txt >/dev/null; done'
