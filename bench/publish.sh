#!/bin/sh
# Publisher throughput alone (serialize + journal + ZeroMQ send), with no, fast and slow subscribers side by side.
#   bench/publish.sh [BUILD_DIR] [N] [REPS]     defaults: build 20000 5
# Prints alerts/s per scenario (median of REPS runs, scenarios interleaved) and the ratio to
# "no subscriber". Record results in BENCHMARKS.md ("Alerts (ZeroMQ)") with this command.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-20000}
reps=${3:-5}
driver="$build/tests/zmq_driver"
[ -x "$driver" ] || { echo "error: $driver is not built (cmake --build $build)" >&2; exit 1; }
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
exec "$driver" bench --n "$n" --reps "$reps"
