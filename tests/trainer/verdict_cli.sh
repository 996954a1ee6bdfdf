#!/bin/sh
# cjd eval --verdict and cjd train --verdict on corpus traces recorded with evidence
# (models/evidence/): the three verdicts per workload, the learned model written and loaded
# back (train checks it scores every window as trained), JSON, and the usage errors.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
. "$(dirname "$0")/../lib.sh"
M=$CJD_SOURCE_DIR/models
E=$M/evidence
set -- "$E/cryptonight.real.cjdt.gz" "$E/cryptonight-1t.real.cjdt.gz" "$E/numeric.real.cjdt.gz" \
	"$E/interval.real.cjdt.gz" "$E/numeric-fastmath.real.cjdt.gz"
for f in "$@"; do [ -f "$f" ] || { echo "FAIL missing corpus trace $f"; exit 1; }; done

# every trace of models/evidence validates and holds evidence records of its one cgroup
for f in "$E"/*.real.cjdt.gz; do
	w=$(basename "$f" .real.cjdt.gz)
	out=$("$CJD_BIN" trace validate "$f" 2>&1)
	case "$out" in
	*"samples, "[1-9]*" evidence records") ok "$w: $out" ;;
	*) bad "$w: no evidence records or invalid: $out" ;;
	esac
	gzip -dc "$f" | grep '"type":"evidence"' | grep -qv "\"cgroup\":\"/$w\"" \
		&& bad "$w: an evidence record of another cgroup"
done

"$CJD_BIN" eval -q --model "$M/sw-default.json" --verdict "$M/verdict-rule.json" --intervals 1s \
	"$@" > "$T/cmp.txt" 2>"$T/cmp.err"
[ $? -eq 0 ] && ok "eval --verdict" || bad "eval --verdict: $(cat "$T/cmp.err")"
for w in miner/cryptonight miner/cryptonight-1t benign/numeric benign/interval benign/numeric-fastmath; do
	grep -q "^$w " "$T/cmp.txt" && ok "row $w" || bad "no row for $w: $(cat "$T/cmp.txt")"
done
for v in screening rule learned; do
	grep -q "^$v  *window TPR [0-9.]* FPR [0-9.]*; miner runs fired [0-9]*/2, benign runs fired [0-9]*/3" \
		"$T/cmp.txt" && ok "pooled $v" || bad "no pooled line for $v: $(cat "$T/cmp.txt")"
done
# the -ffast-math program: FTZ/DAZ alone, no rounding change, file-backed code: the rule
# does not flag it (its window FPR is 0)
grep -q "^benign/numeric-fastmath .* [0-9.]* % [a-z-]*  *0.0 % -" "$T/cmp.txt" \
	&& ok "rule: numeric-fastmath not flagged" || bad "rule flags numeric-fastmath: $(grep fastmath "$T/cmp.txt")"

"$CJD_BIN" eval -q --json --model "$M/sw-default.json" --verdict "$M/verdict-rule.json" \
	--intervals 1s "$@" > "$T/cmp.json" || bad "eval --verdict --json failed"
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"screening", "rule", "learned_lowo"}, d.keys()
for v in d.values():
    assert len(v["workloads"]) == 5 and 0 <= v["tpr"] <= 1 and 0 <= v["fpr"] <= 1
' "$T/cmp.json" && ok "JSON report" || bad "JSON report: $(head -c 300 "$T/cmp.json")"

"$CJD_BIN" train -q --verdict "$M/sw-default.json" --rules "$M/verdict-rule.json" --intervals 1s \
	-o "$T/learned.json" "$@" 2>"$T/train.err"
[ $? -eq 0 ] && ok "train --verdict" || bad "train --verdict: $(cat "$T/train.err")"
grep -q '"format": "cjd-verdict"' "$T/learned.json" && grep -q '"terms"' "$T/learned.json" \
	&& ok "learned model written" || bad "learned model: $(head -c 300 "$T/learned.json")"
# the learned file is itself a verdict model eval can compare
"$CJD_BIN" eval -q --model "$M/sw-default.json" --verdict "$T/learned.json" --intervals 1s "$@" \
	>/dev/null 2>"$T/e2.err" && ok "learned model loads as a verdict model" || bad "$(cat "$T/e2.err")"

# usage errors: exit 2
"$CJD_BIN" eval --verdict "$M/verdict-rule.json" "$@" 2>/dev/null; [ $? -eq 2 ] \
	&& ok "--verdict without --model" || bad "--verdict without --model must exit 2"
"$CJD_BIN" eval --model "$M/sw-default.json" --verdict "$M/verdict-rule.json" --intervals 1s,2s "$@" \
	2>/dev/null; [ $? -eq 2 ] && ok "--verdict with two intervals" || bad "two intervals must exit 2"
"$CJD_BIN" train --verdict "$M/sw-default.json" "$@" 2>/dev/null; [ $? -eq 2 ] \
	&& ok "train --verdict without -o" || bad "train --verdict without -o must exit 2"
# a bad verdict model: exit 1 with file:line:column
printf '{"format":"cjd-verdict","version":1,"name":"x","bias":0,"screen_weight":1,"levels":{"low":0.2,"medium":0.5,"high":0.8},"rules":[{"id":"r","weight":1,"finding":"f","when":[{"feature":"nope","op":">","value":1}]}]}' > "$T/bad.json"
"$CJD_BIN" eval -q --model "$M/sw-default.json" --verdict "$T/bad.json" "$@" 2>"$T/bad.err"
[ $? -eq 1 ] && grep -q 'bad.json:1:[0-9]*: rules\[0\].when\[0\].feature: unknown evidence feature "nope"' "$T/bad.err" \
	&& ok "bad verdict model named" || bad "bad verdict model: $(cat "$T/bad.err")"
exit $fail
