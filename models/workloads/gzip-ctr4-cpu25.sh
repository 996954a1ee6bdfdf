#!/bin/sh
# Benign (issue 13): gzip-ctr4 with each container limited to a quarter of a CPU (docker run
# --cpus 0.25, as a Kubernetes Deployment of 4 replicas with a 250m CPU limit): the benign twin
# of the spread miners, four flat quarter-CPU cgroups of one image that add up to one CPU.
# Usage: gzip-ctr4-cpu25.sh real   (see ctr_lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_init benign gzip-ctr4-cpu25 "${1:-}"
wl_need_inputs
ctr_image /bin/sh /bin/sh "$(command -v gzip)"
ctr_run_record --cpus 0.25 -v "$WL_INPUTS:/in:ro" -- -c 'while :; do gzip -6 -c /in/text.txt >/dev/null; done'
