# Shared by every workload script (sourced): paths, the two recording modes, inputs, calibration.
# A workload script is run as:  models/workloads/<name>.sh sim|real
#   sim   record with `cjd simrecord` (simulated hardware events under valgrind)
#   real  record with `cjd record` (real software events in a real cgroup)
# Environment: CJD (the cjd binary), WL_OUT (where traces go, default models/data),
# WL_WORK (built miner and generated inputs, default models/.work), REAL_DUR (real mode
# length, default 90s), SIM_I (instructions per sample, default 10M), WL_SMOKE_LIMIT (sim
# mode: stop every workload after this many instructions instead of its own limit; for
# quick checks of the scripts, the traces it makes are not the corpus).

WL_DIR=$(cd "$(dirname "$0")" && pwd)
WL_MODELS=$(dirname "$WL_DIR")
WL_ROOT=$(dirname "$WL_MODELS")
CJD=${CJD:-$WL_ROOT/build/cjd}
WL_OUT=${WL_OUT:-$WL_MODELS/data}
WL_WORK=${WL_WORK:-$WL_MODELS/.work}
WL_INPUTS=$WL_WORK/inputs
MINER=$WL_WORK/bin/cjd-miner
REAL_DUR=${REAL_DUR:-90s}
SIM_I=${SIM_I:-10M}
# Debian's interpreter, never a pyenv shim (a shim is a shell script that would be traced too).
PY=/usr/bin/python3

wl_say() { printf '[%s] %s\n' "${WL_NAME:-workload}" "$*" >&2; }
wl_die() { printf '[%s] error: %s\n' "${WL_NAME:-workload}" "$*" >&2; exit 1; }

# wl_init KIND NAME MODE: KIND is miner or benign; sets WL_NAME, WL_LABEL, WL_MODE, WL_TMP.
wl_init() {
	WL_NAME=$2
	WL_LABEL=$1/$2
	WL_MODE=${3:-}
	case "$WL_MODE" in
	sim|real) ;;
	*) printf 'Usage: %s sim|real\n' "$0" >&2; exit 2 ;;
	esac
	[ -x "$CJD" ] || wl_die "cjd binary not found at $CJD (build first, or set CJD)"
	mkdir -p "$WL_OUT"
	# Miners talk to a stand-in pool in real mode (cjd-miner --pool: a few syscalls per
	# second, as real pool miners make). Not in sim mode: the stand-in's blocking waits
	# (poll) would count as simulated blocked time and dilute the simulated utilisation.
	POOL=""
	[ "$WL_MODE" = real ] && POOL="--pool"
	WL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cjd-wl-$WL_NAME-$$-XXXXXX")
	trap 'wl_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# Scripts may add their own clean-up to WL_CLEANUP (a command string).
wl_cleanup() {
	[ -n "${WL_CLEANUP:-}" ] && eval "$WL_CLEANUP"
	rm -rf "$WL_TMP"
}

# make decides whether cjd-miner is out of date.
wl_need_miner() {
	mkdir -p "$WL_WORK/bin"
	make -s -C "$WL_DIR/src" OUT="$WL_WORK/bin" >&2 || wl_die "building cjd-miner failed"
}

wl_need_inputs() {
	if [ ! -f "$WL_INPUTS/.done" ]; then
		wl_say "generating inputs in $WL_INPUTS"
		mkdir -p "$WL_INPUTS"
		"$PY" "$WL_DIR/gen_inputs.py" "$WL_INPUTS" >&2 || wl_die "generating inputs failed"
		touch "$WL_INPUTS/.done"
	fi
}

# wl_record [-i N] [--bb N] [--limit N] [--dur D] [--setup-uninstrumented] -- CMD ARGS...
# --bb: callgrind dump period in basic blocks (sim only; for JIT code with long blocks)
# sim:  cjd simrecord -i N --limit N ... -o WL_OUT/NAME.sim.cjdt.gz -- CMD
# real: cjd record -i 100ms -d D --workload NAME --name NAME ... -o WL_OUT/NAME.real.cjdt.gz -- CMD
# CMD must run until it is stopped (loop it): both recorders end it.
wl_record() {
	i=$SIM_I limit=2G dur=$REAL_DUR atstart="" bb=""
	while [ $# -gt 0 ]; do
		case "$1" in
		-i) i=$2; shift 2 ;;
		--bb) bb="--dump-every-bb $2"; shift 2 ;;
		--limit) limit=$2; shift 2 ;;
		--dur) dur=$2; shift 2 ;;
		--setup-uninstrumented) atstart="--instr-atstart=no"; shift ;;
		--) shift; break ;;
		*) wl_die "wl_record: bad option $1" ;;
		esac
	done
	if [ "$WL_MODE" = sim ]; then
		limit=${WL_SMOKE_LIMIT:-$limit}
		out=$WL_OUT/$WL_NAME.sim.cjdt.gz
		wl_say "simrecord: $i instructions/sample, stop at $limit -> $out"
		# shellcheck disable=SC2086
		"$CJD" simrecord -i "$i" $bb --limit "$limit" $atstart --label "$WL_LABEL" \
			--workload "$WL_NAME" --name "/corpus/$WL_NAME" -o "$out" -- "$@" >/dev/null \
			|| wl_die "cjd simrecord failed"
	else
		out=$WL_OUT/$WL_NAME.real.cjdt.gz
		wl_say "record: 100ms samples for $dur -> $out"
		"$CJD" record -i 100ms -d "$dur" --label "$WL_LABEL" --workload "$WL_NAME" \
			--name "$WL_NAME" -o "$out" -- "$@" \
			>/dev/null 2>"$WL_TMP/record.err"
		rc=$?
		cat "$WL_TMP/record.err" >&2
		[ $rc -eq 0 ] || wl_die "cjd record failed (exit $rc)"
	fi
	"$CJD" trace validate -q "$out" || wl_die "the trace does not validate: $out"
}

# wl_ns_per_hash ALGO [MINER ARGS...]: one thread's time per hash. sim: the simulated
# task-clock of 16 hashes minus that of 8, over 8 (the difference cancels the thread's
# start-up, which is most of a short run for a fast hash such as SHA-256d); real: CPU time
# per hash measured natively over 3 s (a busy host does not inflate it).
wl_ns_per_hash() {
	algo=$1; shift
	if [ "$WL_MODE" = sim ]; then
		for h in 8 16; do
			"$CJD" simrecord -i 10M --instr-atstart=no -o "$WL_TMP/cal$h.cjdt" -- \
				"$MINER" --algo "$algo" --threads 1 --hashes $h "$@" >/dev/null 2>"$WL_TMP/cal.err" \
				|| { cat "$WL_TMP/cal.err" >&2; wl_die "calibration run failed"; }
		done
		"$CJD" trace stats --json "$WL_TMP/cal8.cjdt" > "$WL_TMP/cal8.json"
		"$CJD" trace stats --json "$WL_TMP/cal16.cjdt" | "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))["totals"]["task-clock"]
b = json.load(sys.stdin)["totals"]["task-clock"]
print(max(1, int((b - a) / 8)))' "$WL_TMP/cal8.json"
	else
		"$MINER" --algo "$algo" --threads 1 --seconds 3 --calibrate "$@" 2>/dev/null \
			| awk '/^ns_per_hash/ { print $2 }'
	fi
}
