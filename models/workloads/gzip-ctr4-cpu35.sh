#!/bin/sh
# Benign (issue 13): gzip-ctr4 with each container limited to 0.35 of a CPU (docker run
# --cpus 0.35): gzip-ctr4-cpu25 with more room, so that on a quiet host the four flat
# cgroups of one image add up to more than one CPU (on the busy host it was recorded on they
# got about 0.22 each: models/README.md, "Aggregation across cgroups").
# Usage: gzip-ctr4-cpu35.sh real   (see ctr_lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_init benign gzip-ctr4-cpu35 "${1:-}"
wl_need_inputs
ctr_image /bin/sh /bin/sh "$(command -v gzip)"
ctr_run_record --cpus 0.35 -v "$WL_INPUTS:/in:ro" -- -c 'while :; do gzip -6 -c /in/text.txt >/dev/null; done'
