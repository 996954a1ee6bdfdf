#!/bin/sh
# Benign (issue 13): gzip -6 of 48 MiB of text and logs, again and again, in 4 Docker containers
# of one image: a multi-container job the aggregate (per-image) alert must not flag. Run as
# gzip-ctr4-cpu25.sh or gzip-ctr4-cpu35.sh (links to this script) each container is limited to
# 0.25 or 0.35 of a CPU (docker run --cpus, a Deployment's CPU limit): the benign twins of the
# spread miners, four flat small cgroups of one image (on a quiet host the 0.35 ones add up to
# more than one CPU; models/README.md, "Aggregation across cgroups", says what they got).
# Usage: gzip-ctr4.sh real   (see ctr_lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
name=$(basename "$0" .sh)
case "$name" in
gzip-ctr4) limit="" ;;
gzip-ctr4-cpu[0-9][0-9]) limit="--cpus 0.${name#gzip-ctr4-cpu}" ;;
*) echo "gzip-ctr4.sh: run as gzip-ctr4.sh or gzip-ctr4-cpuNN.sh, not $name.sh" >&2; exit 2 ;;
esac
ctr_init benign "$name" "${1:-}"
wl_need_inputs
ctr_image /bin/sh /bin/sh "$(command -v gzip)"
# shellcheck disable=SC2086
ctr_run_record $limit -v "$WL_INPUTS:/in:ro" -- -c 'while :; do gzip -6 -c /in/text.txt >/dev/null; done'
