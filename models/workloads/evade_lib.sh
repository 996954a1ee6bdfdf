# Shared by the evasion scripts (sourced after lib.sh): a corpus miner run the ways issue 8 lists.
# An evasion script is run as:  models/workloads/evade-<how>-<algo>.sh sim|real
# and writes WL_OUT/evade-<how>-<algo>.<mode>.cjdt.gz, every sample labelled
# miner/evade-<how>-<algo>. These traces are for evaluation: the shipped models are never
# trained on them (models/build.sh passes only the base corpus to cjd train).
#
#   throttle10  one thread duty-cycled to 10 % of a CPU (busy ~20 ms, then asleep 9x that;
#               the hash time is calibrated as for the corpus's throttled miners, lib.sh)
#   burst       two threads hashing for 2 s, then asleep for 8 s, again and again
#   spread4     four cgroups, one thread each at 25 % duty: the one trace holds 4 cgroups
#   mixed       one miner thread and a benign xz loop in the same cgroup
#
# sim mode is offered where a simulated trace means something: throttle10 (the duty cycle
# is within each 100M-200M-instruction sample) and mixed (both programs' instruction
# streams, merged). burst and spread4 exist in real mode only: simrecord's clock is the
# instruction count, so an 8 s sleep collapses into one sample instead of 80 idle ones, and
# one quarter of a spread miner under the simulator is exactly the corpus's throttled miner.

# evade_init HOW ALGO MODE: sets WL_* as wl_init does, for the workload evade-HOW-ALGO.
evade_init() {
	EV_HOW=$1 EV_ALGO=$2
	wl_init miner "evade-$1-$2" "${3:-}"
	wl_need_miner
}

# The sim-mode knobs of a 10 %-duty miner: instructions per sample, the dump period and
# the limit. A busy slice is ~20 ms of simulated time (~100M instructions; one RandomX hash
# is ~80M), so a sample of 200M-300M spans 2-3 duty periods, and the limit gives ~70-80
# samples. (RandomX's JIT code has ~40 instructions per basic block, see randomx-light.sh.)
evade_sim_args() {
	case "$EV_ALGO" in
	randomx-light) echo "-i 200M --bb 1M --limit 16G" ;;
	*) echo "-i 300M --bb 1M --limit 22G" ;;
	esac
}

# evade_duty PERCENT: sets EV_BUSY (hashes per busy slice) and EV_SLEEP_MS for one thread
# hashing PERCENT % of the time, with busy slices of about 20 ms (at least one hash).
evade_duty() {
	ns=$(wl_ns_per_hash "$EV_ALGO") || exit 1
	[ -n "$ns" ] || wl_die "calibration gave nothing"
	EV_BUSY=$(( (20000000 + ns / 2) / ns ))
	[ "$EV_BUSY" -ge 1 ] || EV_BUSY=1
	EV_SLEEP_MS=$(( (EV_BUSY * ns * (100 - $1) / $1 + 500000) / 1000000 ))
	[ "$EV_SLEEP_MS" -ge 1 ] || EV_SLEEP_MS=1
	wl_say "one hash = $ns ns ($WL_MODE); $1 % duty: $EV_BUSY hashes, then ${EV_SLEEP_MS} ms asleep"
}

evade_throttle10() {
	evade_duty 10
	# shellcheck disable=SC2046
	wl_record --setup-uninstrumented $( [ "$WL_MODE" = sim ] && evade_sim_args) -- \
		"$MINER" $POOL --algo "$EV_ALGO" --threads 1 --throttle "$EV_BUSY,$EV_SLEEP_MS" \
		--seconds 1000000000
}

evade_burst() {
	[ "$WL_MODE" = real ] || wl_die "burst is real mode only (see evade_lib.sh)"
	ns=$(wl_ns_per_hash "$EV_ALGO") || exit 1
	[ -n "$ns" ] || wl_die "calibration gave nothing"
	busy=$(( (2000000000 + ns / 2) / ns ))
	[ "$busy" -ge 1 ] || busy=1
	wl_say "one hash = $ns ns; bursts of $busy hashes (~2 s) per thread, then 8000 ms asleep"
	wl_record -- "$MINER" $POOL --algo "$EV_ALGO" --threads 2 --throttle "$busy,8000" \
		--seconds 1000000000
}

# Four recordings at once, one cgroup each, joined into one trace of four cgroups.
evade_spread4() {
	[ "$WL_MODE" = real ] || wl_die "spread4 is real mode only (see evade_lib.sh)"
	evade_duty 25
	out=$WL_OUT/$WL_NAME.real.cjdt.gz
	pids=""
	for i in 1 2 3 4; do
		"$CJD" record -i 100ms -d "$REAL_DUR" --label "$WL_LABEL" --workload "$WL_NAME" \
			--name "$WL_NAME-$i" -o "$WL_TMP/part$i.cjdt" -- \
			"$MINER" $POOL --algo "$EV_ALGO" --threads 1 --throttle "$EV_BUSY,$EV_SLEEP_MS" \
			--seconds 1000000000 >/dev/null 2>"$WL_TMP/record$i.err" &
		pids="$pids $!"
	done
	wl_say "record: 4 cgroups, 100ms samples for $REAL_DUR -> $out"
	rc=0
	for p in $pids; do wait "$p" || rc=1; done
	cat "$WL_TMP"/record*.err >&2
	[ $rc -eq 0 ] || wl_die "a cjd record failed"
	"$CJD" trace cat -o "$out" "$WL_TMP"/part1.cjdt "$WL_TMP"/part2.cjdt \
		"$WL_TMP"/part3.cjdt "$WL_TMP"/part4.cjdt || wl_die "joining the four traces failed"
	"$CJD" trace validate -q "$out" || wl_die "the trace does not validate: $out"
}

# The miner (one thread, full speed) and the xz workload's loop share one cgroup.
evade_mixed() {
	wl_need_inputs
	if [ "$WL_MODE" = sim ]; then
		# Not --setup-uninstrumented: that would leave xz uninstrumented too. RandomX's
		# set-up is too slow to simulate, so the sim traces use the quick algorithms.
		case "$EV_ALGO" in randomx*) wl_die "mixed sim: RandomX set-up is too slow to simulate" ;; esac
		wl_record --limit 4G -- sh -c \
			'"$1" $4 --algo "$2" --threads 1 --seconds 1000000000 & while :; do head -c 8000000 "$3" | xz -6 -T1 -c; done' \
			sh "$MINER" "$EV_ALGO" "$WL_INPUTS/text.txt" "$POOL"
	else
		wl_record -- sh -c \
			'"$1" $4 --algo "$2" --threads 1 --seconds 1000000000 & while :; do head -c 8000000 "$3" | xz -6 -T1 -c; done' \
			sh "$MINER" "$EV_ALGO" "$WL_INPUTS/text.txt" "$POOL"
	fi
}
