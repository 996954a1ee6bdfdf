#!/bin/sh
# Training speed: cjd_train on a synthetic 100k x 40 set (gbdt 100 trees depth 6, and logistic),
# medians of several wall-clock runs. Usage: bench/train.sh [BUILD_DIR] [REPS]
set -eu
build=${1:-build}
reps=${2:-5}
harness=$build/tests/cjd-train-harness
if [ ! -x "$harness" ]; then
	echo "bench/train.sh: $harness is missing; build first (cmake --build $build)" >&2
	exit 2
fi
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt" ||
	echo "bench/train.sh: warning: $build is not a Release build" >&2
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$harness" bench --rows 100000 --features 40 --trees 100 --depth 6 --reps "$reps" --kind gbdt
"$harness" bench --rows 100000 --features 40 --reps "$reps" --kind logistic
