#!/bin/sh
# Regenerates the workload corpus in models/data/ and the shipped models from scratch.
#
# Usage: models/build.sh [--sim|--real|--both] [--only W1,W2,...] [--no-evasion] [--no-train]
#        models/build.sh --train-only
#   --sim / --real / --both   which recordings to make (default --both)
#   --only LIST               only these workloads (names of models/workloads/*.sh)
#   --no-evasion              skip the evasion workloads (evade-*.sh, and the container
#                             workloads *-ctr4*.sh; evaluation only)
#   --no-train                record only
#   --evidence[=DUR]          real mode: record with the evidence probes (cjd record
#                             --evidence=DUR, default 10s), each workload also in a v1 cpu
#                             cgroup with cpu.shares $WL_CPU_SHARES (default 10240) so that
#                             other jobs on a shared host disturb it less
#   --out DIR                 write the traces to DIR instead of models/data (WL_OUT)
#   --train-only              record nothing: retrain hw-default.json, sw-default.json and
#                             sw-nosyscalls.json from the committed traces and rewrite
#                             models/eval/
#
# Needs only Debian packages (scripts/packages.txt) and no network. Builds cjd (build/),
# the miner program (models/.work/bin/cjd-miner), generates the inputs deterministically
# (models/.work/inputs/), then runs every workload script in turn (each in the modes its
# Usage line lists), validates each trace, trains the three models with `cjd train` and writes
# the evaluations (`cjd eval`) to models/eval/. On this 2-vCPU KVM guest a full --sim
# regeneration took about 35 minutes, real mode about 75 more (48 traces of 90 s; issue 11 adds
# 23 real and 6 simulated traces, about 40 minutes more);
# --train-only takes a few minutes.
set -eu
MODELS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$MODELS")
WL=$MODELS/workloads
export CJD="${CJD:-$ROOT/build/cjd}"

. "$MODELS/train_options.sh" # MINERS, BENIGN and the training options
EVASION=""
for how in throttle10 burst spread4 mixed; do
	for algo in randomx-light sha256d scrypt argon2id; do EVASION="$EVASION evade-$how-$algo"; done
done
# Issue 13 (aggregation across cgroups): jobs spread over 4 Docker containers of one image
# (ctr_lib.sh; real mode, needs a Docker engine): the sha256d and randomx-light spread miners
# and a benign gzip, also with each container limited to 0.25 and 0.35 of a CPU (docker run --cpus).
EVASION="$EVASION evade-ctr4-sha256d evade-ctr4-randomx-light gzip-ctr4 gzip-ctr4-cpu25 gzip-ctr4-cpu35"

modes="real sim"
only=""
failed=""
evasion=1
train=1
record=1
while [ $# -gt 0 ]; do
	case "$1" in
	--sim) modes="sim" ;;
	--real) modes="real" ;;
	--both) modes="real sim" ;;
	--only) only=$(printf '%s' "$2" | tr ',' ' '); shift ;;
	--no-evasion) evasion=0 ;;
	--no-train) train=0 ;;
	--train-only) record=0 ;;
	--evidence) export WL_EVIDENCE=10s WL_CPU_SHARES="${WL_CPU_SHARES:-10240}" ;;
	--evidence=*) export WL_EVIDENCE="${1#--evidence=}" WL_CPU_SHARES="${WL_CPU_SHARES:-10240}" ;;
	--out) export WL_OUT="$2"; shift ;;
	-h|--help) sed -n '2,27s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ -n "$only" ]; then
	workloads=$only
elif [ $record -eq 0 ]; then
	workloads=""
elif [ $evasion -eq 1 ]; then
	workloads="$MINERS $MINERS_REAL_ONLY $BENIGN $BENIGN_REAL_ONLY $EVASION"
else
	workloads="$MINERS $MINERS_REAL_ONLY $BENIGN $BENIGN_REAL_ONLY"
fi
for w in $workloads; do
	[ -x "$WL/$w.sh" ] || { echo "build.sh: no workload '$w' ($WL/$w.sh)" >&2; exit 2; }
done

say() { printf '==> %s\n' "$*" >&2; }
start=$(date +%s)

# 1. cjd itself (unless CJD points at a binary already).
if [ ! -x "$CJD" ]; then
	say "building cjd in $ROOT/build"
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$ROOT/build" -j2 >/dev/null
fi

if [ $record -eq 1 ]; then
# 2. Miner program and inputs (the workload scripts also do this on demand).
say "building cjd-miner"
mkdir -p "$MODELS/.work/bin"
make -s -C "$WL/src" OUT="$MODELS/.work/bin"
WL_INPUTS_VERSION=$(sed -n 's/^WL_INPUTS_VERSION=//p' "$WL/lib.sh")
if [ "$(cat "$MODELS/.work/inputs/.done" 2>/dev/null)" != "$WL_INPUTS_VERSION" ]; then
	say "generating inputs (deterministic)"
	mkdir -p "$MODELS/.work/inputs"
	/usr/bin/python3 "$WL/gen_inputs.py" "$MODELS/.work/inputs"
	echo "$WL_INPUTS_VERSION" > "$MODELS/.work/inputs/.done"
fi

# 3. Every workload, in every mode its Usage line offers ("Usage: x.sh sim|real").
supports() { sed -n 's/^# Usage: [^ ]* \([a-z|]*\).*/\1/p' "$WL/$1.sh" | tr '|' '\n' | grep -qx "$2"; }
n=0
total=0
for mode in $modes; do for w in $workloads; do supports "$w" "$mode" && total=$((total + 1)); done; done
for mode in $modes; do
	for w in $workloads; do
		supports "$w" "$mode" || continue
		n=$((n + 1))
		t0=$(date +%s)
		say "[$n/$total] $w ($mode)"
		if "$WL/$w.sh" "$mode"; then
			say "[$n/$total] $w ($mode) done in $(( $(date +%s) - t0 )) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
		else
			say "[$n/$total] $w ($mode) FAILED"
			failed="$failed $w/$mode"
		fi
	done
done

fi

# 4. ===== TRAINING HOOK =====
# The shipped models (options in train_options.sh), trained on the base corpus only (never
# on evade-* traces), and their evaluations in models/eval/: leave-one-workload-out (each
# workload scored by a model trained without it), the shipped model on its own training
# traces, and the shipped model on the held-out traces (evasions; for sw also the
# throttled miners it is not trained on).
if [ $train -eq 1 ]; then
	EVAL=$MODELS/eval
	mkdir -p "$EVAL"
	traces() { mode=$1; shift; for w in "$@"; do printf '%s ' "$MODELS/data/$w.$mode.cjdt.gz"; done; }
	held_out() { # mode, then the workloads trained on: every other trace of that mode
		mode=$1; shift
		for f in "$MODELS"/data/*."$mode".cjdt.gz; do
			w=$(basename "$f" ".$mode.cjdt.gz")
			case " $* " in *" $w "*) ;; *) printf '%s ' "$f" ;; esac
		done
	}
	t0=$(date +%s)
	ho_sim=$(held_out sim $HW_TRAIN)
	ho_real=$(held_out real $SW_TRAIN)
	set -f # the options hold globs for cjd, not for the shell
	# shellcheck disable=SC2086
	# m: the evaluation files' prefix (eval/<m>-lowo.json ...); name: the model's
	for m in hw sw sw-nosys; do
		case $m in
		hw) name=hw-default mode=sim opts=$HW_OPTS set=$HW_TRAIN desc=$HW_DESC ho=$ho_sim ;;
		sw) name=sw-default mode=real opts=$SW_OPTS set=$SW_TRAIN desc=$SW_DESC ho=$ho_real ;;
		sw-nosys) name=sw-nosyscalls mode=real opts=$SW_NOSYS_OPTS set=$SW_NOSYS_TRAIN
			desc=$SW_NOSYS_DESC ho=$ho_real ;;
		esac
		ivl=$(printf '%s\n' $opts | sed -n '/^--intervals$/{n;p}')
		say "training $name.json"
		"$CJD" train $opts --name "$name" --version "$VERSION" --description "$desc" \
			-o "$MODELS/$name.json" $(traces $mode $set)
		say "evaluating $name: leave-one-workload-out"
		"$CJD" eval -q --lowo-train $opts --json $(traces $mode $set) > "$EVAL/$m-lowo.json"
		say "evaluating $name.json on its own training traces"
		"$CJD" eval -q --model "$MODELS/$name.json" --intervals "$ivl" --json \
			$(traces $mode $set) > "$EVAL/$m-train.json"
		if [ -n "$ho" ]; then
			say "evaluating $name.json on the held-out traces"
			"$CJD" eval -q --model "$MODELS/$name.json" --intervals "$ivl" --json $ho \
				> "$EVAL/$m-heldout.json"
		fi
	done
	set +f
	# The combined verdict on the traces recorded with evidence (models/README.md, "The verdict"):
	# screening alone, the rule, and the learned verdict leave-one-workload-out, at 1 s.
	if ls "$MODELS"/evidence/*.real.cjdt.gz >/dev/null 2>&1; then
		say "evaluating the verdict on models/evidence/"
		for fmt in txt json; do
			# shellcheck disable=SC2046
			"$CJD" eval -q --model "$MODELS/sw-default.json" --verdict "$MODELS/verdict-rule.json" \
				--intervals 1s $( [ $fmt = json ] && echo --json) "$MODELS"/evidence/*.real.cjdt.gz \
				> "$EVAL/verdict-lowo.$fmt"
		done
	fi
	/usr/bin/python3 "$WL/eval_table.py" "$EVAL" > "$EVAL/tables.md"
	say "evaluating the aggregation across cgroups (eval/aggregate.md)"
	/usr/bin/python3 "$WL/aggregate_eval.py" --cjd "$CJD" > "$EVAL/aggregate.md"
	say "training and evaluation took $(( $(date +%s) - t0 )) s; tables in $EVAL/tables.md"
fi
# ===== END TRAINING HOOK =====

say "corpus: $(ls "$MODELS"/data/*.cjdt.gz 2>/dev/null | wc -l) traces, $(du -sh "$MODELS/data" | cut -f1)"
say "total time: $(( $(date +%s) - start )) s"
if [ -n "$failed" ]; then
	say "FAILED:$failed"
	exit 1
fi
