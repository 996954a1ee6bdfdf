#!/bin/sh
# cjd train / cjd eval on small SYNTHETIC fixtures made here: determinism (byte-identical
# model for one seed), a linearly separable toy set learnt perfectly (gbdt and logistic),
# leave-one-workload-out, reports, plots, and every bad input with its exit code and message.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
. "$(dirname "$0")/../lib.sh"

# toy FILE LABEL UTIL SYSCALLS_PER_CPU_S SEED [N]: a synthetic software-event trace of one
# cgroup, 1 s samples; utilisation and syscall rate jitter by +-5 % (an LCG, so the files
# are the same every run). Miners: busy, few syscalls; benign: half idle, many syscalls.
toy() {
	awk -v label="$2" -v util="$3" -v sys="$4" -v seed="$5" -v n="${6:-40}" 'BEGIN {
		printf "{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"toy\",\"source\":\"perf\",\"interval_ns\":1000000000,\"cpus\":2,\"events\":[\"task-clock\",\"context-switches\",\"cpu-migrations\",\"page-faults\",\"syscalls\"],\"created\":\"2026-11-26T00:00:00Z\",\"meta\":{\"note\":\"SYNTHETIC test fixture\"}}\n"
		x = seed
		for (i = 1; i <= n; i++) {
			x = (x * 1103515245 + 12345) % 2147483648; j1 = 0.95 + 0.1 * x / 2147483648
			x = (x * 1103515245 + 12345) % 2147483648; j2 = 0.95 + 0.1 * x / 2147483648
			tc = int(util * j1 * 1e9); s = int(sys * j2 * tc / 1e9)
			printf "{\"t_ns\":%.0f,\"dt_ns\":1000000000,\"cgroup\":\"/toy\",\"counts\":[%.0f,%d,0,%d,%.0f]", i * 1000000000, tc, 5 + i % 3, 2 + i % 2, s
			if (label != "") printf ",\"label\":\"%s\"", label
			printf "}\n"
		}
	}' > "$1"
}
toy "$T/m1.cjdt" miner/toy-a 0.97 20 1
toy "$T/m2.cjdt" miner/toy-b 0.92 40 2
toy "$T/m3.cjdt" miner/toy-c 0.99 10 3
toy "$T/b1.cjdt" benign/toy-x 0.30 9000 4
toy "$T/b2.cjdt" benign/toy-y 0.45 15000 5
toy "$T/b3.cjdt" benign/toy-z 0.25 6000 6
ALL="$T/m1.cjdt $T/m2.cjdt $T/m3.cjdt $T/b1.cjdt $T/b2.cjdt $T/b3.cjdt"

# 1. Determinism: the same traces and seed give the same bytes; another seed another model.
# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --seed 7 --trees 20 -o "$T/a.json" $ALL 2>"$T/a.err" \
	|| bad "train: $(cat "$T/a.err")"
# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --seed 7 --trees 20 -o "$T/b.json" $ALL 2>"$T/b.err" \
	|| bad "train again: $(cat "$T/b.err")"
cmp -s "$T/a.json" "$T/b.json" && ok "same seed: byte-identical model" || bad "same seed, different files"
# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --seed 8 --trees 20 -o "$T/c.json" $ALL 2>/dev/null
cmp -s "$T/a.json" "$T/c.json" && bad "another seed gave the same model" || ok "another seed: another model"
grep -q '"name": "sw-gbdt"' "$T/a.json" && ok "default name" || bad "default name missing"
grep -q '"traces":\["m1.cjdt"' "$T/a.json" && ok "meta.data names the traces without their directory" \
	|| bad "meta.data: $(grep '"data"' "$T/a.json")"
grep -q "$T" "$T/a.json" && bad "the model holds a path of this run"

# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --increasing 'cpu_util.m*' --decreasing 'syscall_per_cpu_s.mean' \
	-o "$T/mono.json" $ALL 2>"$T/m.err" && grep -q '"increasing":\["cpu_util.m\*"\],"decreasing":\["syscall_per_cpu_s.mean"\]' "$T/mono.json" \
	&& ok "monotone constraints train and are recorded in meta.data" || bad "monotone: $(cat "$T/m.err"; grep '"data"' "$T/mono.json")"

# 2. The toy set is learnt perfectly, and cjd eval (the detector's scorer) says so.
for kind in gbdt logistic; do
	# shellcheck disable=SC2086
	"$CJD_BIN" train -q --features sw --kind $kind -o "$T/$kind.json" $ALL 2>"$T/t.err" \
		|| { bad "train --kind $kind: $(cat "$T/t.err")"; continue; }
	# shellcheck disable=SC2086
	"$CJD_BIN" eval -q --model "$T/$kind.json" --json $ALL > "$T/$kind.eval" 2>"$T/e.err" \
		|| { bad "eval $kind: $(cat "$T/e.err")"; continue; }
	grep -q '^{"tpr":1,"fpr":0,"auc":1,' "$T/$kind.eval" && ok "$kind: TPR 1, FPR 0, AUC 1" \
		|| bad "$kind: $(head -c 200 "$T/$kind.eval")"
	grep -q '"miner_runs":3,"miner_runs_fired":3,"benign_runs":3,"benign_runs_fired":0,"slowest_fire":3' \
		"$T/$kind.eval" && ok "$kind: every miner run fires at window 3, no benign run" \
		|| bad "$kind alerts: $(grep -o '"alerts":{[^}]*}' "$T/$kind.eval")"
	grep -q '"workloads":\[{"name":"miner/toy-a","class":"miner","windows":33,' "$T/$kind.eval" \
		&& ok "$kind: per-workload list (33 windows of W=8 from 40 samples)" \
		|| bad "$kind workloads: $(grep -o '"workloads":.\{80\}' "$T/$kind.eval")"
done
# shellcheck disable=SC2086
"$CJD_BIN" eval -q --model "$T/gbdt.json" $ALL > "$T/text.out"
grep -q "^miner/toy-a  *miner  *33  *33  TPR  100.000%" "$T/text.out" && grep -q "^ROC AUC 1.000000" "$T/text.out" \
	&& grep -q "miner runs fired 3/3 (slowest after 3 windows); benign runs fired 0/3" "$T/text.out" \
	&& ok "text report" || bad "text report: $(cat "$T/text.out")"

# 3. Leave-one-workload-out, by both commands, and resampled intervals.
# shellcheck disable=SC2086
"$CJD_BIN" eval -q --lowo-train --features sw --trees 20 --json $ALL > "$T/lowo.json" 2>"$T/l.err" \
	&& grep -q '^{"tpr":1,"fpr":0,"auc":1,"cross_validated":true' "$T/lowo.json" \
	&& ok "eval --lowo-train: every held-out toy workload right" || bad "lowo: $(cat "$T/l.err" "$T/lowo.json")"
# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --trees 20 --lowo --intervals native,2s -o "$T/l.json" $ALL > "$T/lowo.txt" 2>"$T/l.err" \
	&& grep -q "(pooled out-of-fold scores, leave-one-workload-out)" "$T/lowo.txt" && [ -s "$T/l.json" ] \
	&& ok "train --lowo --intervals native,2s -o" || bad "train --lowo: $(cat "$T/l.err")"
grep -q "miner/toy-a  *miner  *46 .*2/2" "$T/lowo.txt" && ok "2s resampling: a second run of 13 windows (20 samples, W=8)" \
	|| bad "resampled windows: $(grep toy-a "$T/lowo.txt")"

# 4. Plots (gnuplot-nox) and CSV.
if command -v gnuplot >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	"$CJD_BIN" eval -q --model "$T/gbdt.json" --plot "$T/plots" $ALL >/dev/null 2>"$T/p.err" \
		&& [ -s "$T/plots/roc.png" ] && [ -s "$T/plots/score-00-miner_toy-a.png" ] \
		&& ok "--plot: roc.png and per-workload score plots" || bad "--plot: $(cat "$T/p.err"; ls "$T/plots")"
else
	echo "skip --plot (gnuplot is not installed)"
fi
# shellcheck disable=SC2086
"$CJD_BIN" train -q --features sw --csv "$T/w.csv" $ALL && head -1 "$T/w.csv" | grep -q '^group,run,order,miner,cpu_util.mean,' \
	&& [ "$(wc -l < "$T/w.csv")" -eq 199 ] && ok "--csv: 198 windows" || bad "--csv: $(head -c 300 "$T/w.csv")"

# 5. Bad inputs: each one clear line, the right exit code.
expect() { # expect CODE PATTERN CMD...: runs CMD, checks its exit code and stderr
	code=$1 pat=$2; shift 2
	"$@" >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -eq "$code" ] && grep -q -- "$pat" "$T/err"; then ok "exit $code: $pat"
	else bad "$* -> exit $rc (want $code, '$pat'): $(cat "$T/err")"; fi
}
toy "$T/nolabel.cjdt" "" 0.9 10 9
expect 1 "nolabel.cjdt:2: sample of cgroup /toy has no label" "$CJD_BIN" train --features sw -o "$T/x.json" "$T/m1.cjdt" "$T/nolabel.cjdt"
expect 1 "nolabel.cjdt:2: sample of cgroup /toy has no label" "$CJD_BIN" eval --model "$T/gbdt.json" "$T/nolabel.cjdt"
expect 2 "unknown feature set, expected hw or sw" "$CJD_BIN" train --features gpu -o "$T/x.json" $ALL
expect 2 "features hw|sw is required" "$CJD_BIN" train -o "$T/x.json" $ALL
expect 1 "no benign workload, only miners" "$CJD_BIN" train --features sw -o "$T/x.json" "$T/m1.cjdt" "$T/m2.cjdt"
expect 1 "no miner workload, only benign ones" "$CJD_BIN" train --features sw -o "$T/x.json" "$T/b1.cjdt"
expect 1 "needs at least 2 miner and 2 benign" "$CJD_BIN" eval --lowo-train --features sw "$T/m1.cjdt" "$T/b1.cjdt" "$T/b2.cjdt"
expect 1 "m1.cjdt:1: the features need events this trace lacks: cycles" "$CJD_BIN" train --features hw -o "$T/x.json" $ALL
expect 1 "nope.cjdt" "$CJD_BIN" train --features sw -o "$T/x.json" "$T/nope.cjdt"
expect 2 "no TRACE given" "$CJD_BIN" train --features sw -o "$T/x.json"
expect 2 "-o MODEL.json is required" "$CJD_BIN" train --features sw $ALL
expect 2 "'--trees' '0'\|--trees '0'" "$CJD_BIN" train --features sw --trees 0 -o "$T/x.json" $ALL
expect 2 "increasing 'ipc.\*' matches no feature of the sw set" "$CJD_BIN" train --features sw --increasing 'ipc.*' -o "$T/x.json" $ALL
expect 2 "cpu_util.mean is both --increasing and --decreasing" "$CJD_BIN" train --features sw --increasing 'cpu_util.*' --decreasing '*.mean' -o "$T/x.json" $ALL
expect 2 "a logistic model is monotone" "$CJD_BIN" train --features sw --kind logistic --increasing 'cpu_util.*' -o "$T/x.json" $ALL
expect 2 "give either --model FILE or --lowo-train" "$CJD_BIN" eval $ALL
expect 2 "trees is a training option" "$CJD_BIN" eval --model "$T/gbdt.json" --trees 5 $ALL
expect 2 "'1s,1s': '1s' is listed twice" "$CJD_BIN" eval --model "$T/gbdt.json" --intervals 1s,1s $ALL
expect 1 "no 500ms pass: its interval is 1s already" "$CJD_BIN" eval --model "$T/gbdt.json" --intervals 500ms $ALL
grep -q "hold no complete window" "$T/err" && ok "... and with no other interval, no window at all" || bad "500ms alone: $(cat "$T/err")"
echo '{"format":"cjd-model"' > "$T/broken.json"
expect 1 "broken.json:" "$CJD_BIN" eval --model "$T/broken.json" $ALL
[ ! -e "$T/x.json" ] || bad "a failed train left $T/x.json"
exit $fail
