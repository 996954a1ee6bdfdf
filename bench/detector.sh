#!/bin/sh
# Runs the detector benchmarks recorded in BENCHMARKS.md ("Detector"), with the machine and date.
# (bench/tiers-compare.py runs the same subjects for two binaries side by side.)
#   bench/detector.sh [path/to/cjd]      (default: build/cjd)
set -eu
cjd=${1:-$(dirname "$0")/../build/cjd}
[ -x "$cjd" ] || { echo "bench/detector.sh: $cjd is not built (cmake --build build)" >&2; exit 2; }
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs online"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other work on the machine skews wall times)"
echo "cjd:     $("$cjd" --version), git $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "\$ cjd bench features --reps 7"
"$cjd" bench features --reps 7
echo
echo "\$ cjd bench gbdt --reps 7"
"$cjd" bench gbdt --reps 7
echo
echo "\$ cjd bench tick --reps 7"
"$cjd" bench tick --reps 7
echo
echo "\$ cjd bench replay --reps 5"
"$cjd" bench replay --reps 5
