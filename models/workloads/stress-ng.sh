#!/bin/sh
# Benign: stress-ng's CPU stressors, two worker processes cycling through all its CPU methods
# (integer, floating point, bit tricks, hashes, matrix, prime and sort kernels): a CPU benchmark.
# Usage: stress-ng.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign stress-ng "${1:-}"
command -v stress-ng >/dev/null 2>&1 || wl_die "stress-ng is not installed"
wl_record -- sh -c 'while :; do stress-ng --cpu 2 --cpu-method all --timeout 60s --quiet || exit 1; done'
