# Shared by every workload script (sourced): paths, the two recording modes, inputs, calibration.
# A workload script is run as:  models/workloads/<name>.sh sim|real
#   sim   record with `cjd simrecord` (simulated hardware events under valgrind)
#   real  record with `cjd record` (real software events in a real cgroup)
# Environment: CJD (the cjd binary), WL_OUT (where traces go, default models/data),
# WL_WORK (built miner and generated inputs, default models/.work), REAL_DUR (real mode
# length, default 90s), SIM_I (instructions per sample, default 10M), WL_SMOKE_LIMIT (sim
# mode: stop every workload after this many instructions instead of its own limit; for
# quick checks of the scripts, the traces it makes are not the corpus), WL_POOL (real-mode
# miners: netns, the default, for a TCP stratum connection to a stand-in pool in a network
# namespace of the script's own; pair for the in-process pool on a socketpair, where
# `ip netns` is not allowed; own for a script that starts a pool of its own (stratum1-py.sh); none
# for a solo miner with no network at all), WL_POOL_LOG (keep the stand-in pool's message log there),
# WL_EVIDENCE (real mode: record with `cjd record --evidence=WL_EVIDENCE`, the evidence probes'
# inspections in the trace, e.g. 10s), WL_CPU_SHARES (real mode: run the workload also in a
# cgroup v1 cpu cgroup of its own with this cpu.shares, e.g. 10240, so that other jobs on a
# shared host disturb the recording less; needs the v1 cpu controller at /sys/fs/cgroup/cpu),
# WL_CPU_QUOTA (real mode: the same cgroup limited to this many CPUs by the CFS quota, e.g. 0.5
# for half a core, as a container's CPU limit does).

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
	WL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cjd-wl-$WL_NAME-$$-XXXXXX")
	WL_NS=""
	trap 'wl_cleanup' EXIT
	trap 'exit 130' INT TERM
	# Miners talk to a stand-in pool in real mode, as real pool miners do: by default a
	# TCP stratum connection over a veth pair to `cjd-miner --pool-serve` in a network
	# namespace of this script's own (wl_pool_up). Not in sim mode: the client's blocking
	# waits (poll) would count as simulated blocked time and dilute the simulated utilisation.
	POOL=""
	if [ "$1" = miner ] && [ "$WL_MODE" = real ]; then
		case "${WL_POOL:-netns}" in
		netns) wl_pool_up ;;
		pair) POOL="--pool" ;;
		none | own) ;;
		*) wl_die "WL_POOL must be netns, pair, own or none, not '$WL_POOL'" ;;
		esac
	fi
}

# Scripts may add their own clean-up to WL_CLEANUP (a command string); the pool and the
# network namespace (wl_netns_up, wl_pool_up) are taken down after it.
wl_cleanup() {
	[ -n "${WL_CLEANUP:-}" ] && eval "$WL_CLEANUP"
	wl_cpu_down
	wl_pool_down
	[ -n "${WL_NS:-}" ] && ip netns del "$WL_NS" 2>/dev/null
	rm -rf "$WL_TMP"
}

# wl_netns_up: a network namespace of this script's own (cjd-corpus-PID) joined to the host
# by a veth pair, each end with an address of a /30 in 198.18.0.0/15 (the range reserved
# for benchmarks, RFC 2544); sets WL_NS and WL_NS_IP (the namespace's end, which a program
# on the host reaches as it would a remote server). wl_cleanup deletes the namespace, which
# destroys the veth pair with it.
wl_netns_up() {
	command -v ip >/dev/null 2>&1 || wl_die "ip (iproute2) is needed for the network namespace"
	n=$(( $$ % 16000 ))
	host_ip=198.18.$((n / 64)).$(( (n % 64) * 4 + 1 ))
	WL_NS_IP=198.18.$((n / 64)).$(( (n % 64) * 4 + 2 ))
	ip -4 addr show | grep -q " $host_ip/" && wl_die "$host_ip is in use already (another corpus run?)"
	WL_NS=cjd-corpus-$$
	ip netns add "$WL_NS" 2>"$WL_TMP/ns.err" || {
		cat "$WL_TMP/ns.err" >&2; WL_NS=""
		wl_die "cannot create a network namespace (needs CAP_SYS_ADMIN; WL_POOL=pair uses an in-process pool)"
	}
	{ ip link add "cjdh$$" type veth peer name "cjdn$$" netns "$WL_NS" &&
	  ip addr add "$host_ip/30" dev "cjdh$$" && ip link set "cjdh$$" up &&
	  ip -n "$WL_NS" addr add "$WL_NS_IP/30" dev "cjdn$$" &&
	  ip -n "$WL_NS" link set "cjdn$$" up && ip -n "$WL_NS" link set lo up; } 2>"$WL_TMP/ns.err" \
		|| { cat "$WL_TMP/ns.err" >&2; wl_die "cannot set up the veth pair to $WL_NS"; }
	wl_say "network namespace $WL_NS at $WL_NS_IP (veth cjdh$$ $host_ip on the host)"
}

# wl_wait_port PORT PID ERRFILE: waits up to 20 s until PID listens on PORT in the script's
# network namespace (asked of the kernel with ss, so no test connection reaches the server);
# dies with ERRFILE's text if PID exits first.
wl_wait_port() {
	k=0
	until [ -n "$(ip netns exec "$WL_NS" ss -Hltn "sport = :$1" 2>/dev/null)" ]; do
		kill -0 "$2" 2>/dev/null || { cat "$3" >&2; wl_die "the server for port $1 exited"; }
		k=$((k + 1))
		[ $k -lt 100 ] || wl_die "nothing listens on port $1 in $WL_NS"
		sleep 0.2
	done
}

# wl_pool_up: the stand-in pool (cjd-miner --pool-serve, shares verified) in the script's
# network namespace, outside the recorded cgroup; sets POOL to the miner's --pool-connect.
wl_pool_up() {
	wl_need_miner
	wl_netns_up
	WL_POOL_PID=""
	ip netns exec "$WL_NS" "$MINER" --pool-serve "$WL_NS_IP:3333" --pool-verify \
		--pool-log "$WL_TMP/pool.log" 2>"$WL_TMP/pool.err" &
	WL_POOL_PID=$!
	wl_wait_port 3333 "$WL_POOL_PID" "$WL_TMP/pool.err"
	POOL="--pool-connect $WL_NS_IP:3333"
}

# wl_pool_down: stops the stand-in pool and says what went over the connection.
wl_pool_down() {
	[ -n "${WL_POOL_PID:-}" ] || return 0
	kill "$WL_POOL_PID" 2>/dev/null
	wait "$WL_POOL_PID" 2>/dev/null
	WL_POOL_PID=""
	[ -f "$WL_TMP/pool.log" ] || return 0
	wl_say "stand-in pool: $(grep -c '<- login' "$WL_TMP/pool.log") logins, \
$(grep -c -- '-> job' "$WL_TMP/pool.log") new jobs, $(grep -c -- '-> accepted' "$WL_TMP/pool.log") shares accepted, \
$(grep -c '<- submit' "$WL_TMP/pool.log") submitted, $(grep -c '<- keepalived' "$WL_TMP/pool.log") keep-alives"
	[ -n "${WL_POOL_LOG:-}" ] && cp "$WL_TMP/pool.log" "$WL_POOL_LOG"
	return 0
}

# make decides whether cjd-miner is out of date.
wl_need_miner() {
	mkdir -p "$WL_WORK/bin"
	make -s -C "$WL_DIR/src" OUT="$WL_WORK/bin" >&2 || wl_die "building cjd-miner failed"
}

# The inputs' version: bump it when gen_inputs.py gains a file (it keeps the files it has).
WL_INPUTS_VERSION=2
wl_need_inputs() {
	if [ "$(cat "$WL_INPUTS/.done" 2>/dev/null)" != "$WL_INPUTS_VERSION" ]; then
		wl_say "generating inputs in $WL_INPUTS"
		mkdir -p "$WL_INPUTS"
		"$PY" "$WL_DIR/gen_inputs.py" "$WL_INPUTS" >&2 || wl_die "generating inputs failed"
		echo "$WL_INPUTS_VERSION" > "$WL_INPUTS/.done"
	fi
}

# wl_cpu_up: the v1 cpu cgroup cjd-corpus-cpu-PID with cpu.shares WL_CPU_SHARES and the CFS
# quota of WL_CPU_QUOTA CPUs (either may be unset); sets WL_CPU_DIR. The workload joins it
# through a wrapper (see wl_record): `cjd record` puts it in its own cgroup v2 directory (where
# perf counts it), and the v1 cpu hierarchy is independent of it.
wl_cpu_up() {
	WL_CPU_DIR=""
	[ -n "${WL_CPU_SHARES:-}${WL_CPU_QUOTA:-}" ] || return 0
	[ -f /sys/fs/cgroup/cpu/cpu.shares ] || wl_die "WL_CPU_SHARES/WL_CPU_QUOTA: no cgroup v1 cpu controller at /sys/fs/cgroup/cpu"
	us=""
	if [ -n "${WL_CPU_QUOTA:-}" ]; then
		us=$(awk -v q="$WL_CPU_QUOTA" 'BEGIN { if (q !~ /^[0-9.]+$/ || q + 0 < 0.01) exit 1; printf "%d", q * 100000 }') \
			|| wl_die "WL_CPU_QUOTA must be a number of CPUs of at least 0.01 (0.5: half a core), not '$WL_CPU_QUOTA'"
	fi
	WL_CPU_DIR=/sys/fs/cgroup/cpu/cjd-corpus-cpu-$$
	mkdir "$WL_CPU_DIR" || wl_die "cannot make $WL_CPU_DIR"
	if [ -n "${WL_CPU_SHARES:-}" ]; then
		echo "$WL_CPU_SHARES" > "$WL_CPU_DIR/cpu.shares" \
			|| wl_die "cannot set cpu.shares $WL_CPU_SHARES in $WL_CPU_DIR"
	fi
	if [ -n "$us" ]; then
		echo 100000 > "$WL_CPU_DIR/cpu.cfs_period_us" && echo "$us" > "$WL_CPU_DIR/cpu.cfs_quota_us" \
			|| wl_die "cannot set the CFS quota $us us per 100000 us in $WL_CPU_DIR"
	fi
	wl_say "workload in v1 cpu cgroup $WL_CPU_DIR (cpu.shares ${WL_CPU_SHARES:-default}, CPU quota ${WL_CPU_QUOTA:-none})"
}

# wl_cpu_down: empties (moves what is left to the root cpu cgroup) and removes WL_CPU_DIR.
wl_cpu_down() {
	[ -n "${WL_CPU_DIR:-}" ] && [ -d "$WL_CPU_DIR" ] || return 0
	for p in $(cat "$WL_CPU_DIR/cgroup.procs" 2>/dev/null); do
		echo "$p" > /sys/fs/cgroup/cpu/cgroup.procs 2>/dev/null
	done
	rmdir "$WL_CPU_DIR" 2>/dev/null || wl_say "warning: could not remove $WL_CPU_DIR"
	WL_CPU_DIR=""
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
		ev=""
		[ -n "${WL_EVIDENCE:-}" ] && ev="--evidence=$WL_EVIDENCE"
		wl_cpu_up
		# the workload joins the v1 cpu cgroup, then execs CMD (same pid, same argv)
		[ -n "$WL_CPU_DIR" ] && set -- /bin/sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' \
			"$WL_CPU_DIR" "$@"
		wl_say "record: 100ms samples for $dur${ev:+, inspections every $WL_EVIDENCE} -> $out"
		# shellcheck disable=SC2086
		"$CJD" record -i 100ms -d "$dur" $ev --label "$WL_LABEL" --workload "$WL_NAME" \
			--name "$WL_NAME" -o "$out" -- "$@" \
			>/dev/null 2>"$WL_TMP/record.err"
		rc=$?
		wl_cpu_down # here too: wl_record may run in a subshell (nginx.sh), whose exit trap is not ours
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
