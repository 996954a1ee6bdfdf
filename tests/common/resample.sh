#!/bin/sh
# `cjd trace cat --resample DUR`: sums of consecutive samples per cgroup, cut at gaps, label
# changes and the end; short sums reported, not written; totals kept; bad DUR refused.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
. "$(dirname "$0")/../lib.sh"

cat > "$T/in.cjdt" <<'EOF'
{"format":"cjd-trace","version":1,"host":"h","source":"perf","interval_ns":100000000,"cpus":2,"events":["task-clock","syscalls"],"created":"2026-11-26T00:00:00Z","meta":{"note":"SYNTHETIC test fixture"}}
{"t_ns":100000000,"dt_ns":100000000,"cgroup":"/a","counts":[1,10],"running":[1,1],"label":"miner/x"}
{"t_ns":200000000,"dt_ns":100000000,"cgroup":"/a","counts":[2,20],"running":[0.5,0.5],"label":"miner/x"}
{"t_ns":200000000,"dt_ns":100000000,"cgroup":"/b","counts":[5,5]}
{"t_ns":300000000,"dt_ns":99900000,"cgroup":"/a","counts":[3,30],"label":"miner/x"}
{"t_ns":400000000,"dt_ns":100000000,"cgroup":"/a","counts":[4,40],"label":"miner/x"}
{"t_ns":700000000,"dt_ns":100000000,"cgroup":"/a","counts":[5,50],"label":"miner/x"}
{"t_ns":800000000,"dt_ns":100000000,"cgroup":"/a","counts":[6,60],"label":"benign/y"}
{"t_ns":900000000,"dt_ns":100000000,"cgroup":"/a","counts":[7,70],"label":"benign/y"}
{"t_ns":950000000,"dt_ns":30000000,"cgroup":"/a","counts":[8,80],"label":"miner/x"}
EOF
"$CJD_BIN" trace cat --resample 200ms "$T/in.cjdt" > "$T/out.cjdt" 2>"$T/err" || bad "resample: $(cat "$T/err")"
"$CJD_BIN" trace validate -q "$T/out.cjdt" && ok "the output validates" || bad "output does not validate"
head -1 "$T/out.cjdt" | grep -q '"interval_ns":200000000' && ok "header interval is 200ms" || bad "header: $(head -1 "$T/out.cjdt")"
sed 1d "$T/out.cjdt" > "$T/body"
cat > "$T/want" <<'EOF'
{"t_ns":200000000,"dt_ns":200000000,"cgroup":"/a","counts":[3,30],"running":[0.75,0.75],"label":"miner/x"}
{"t_ns":400000000,"dt_ns":199900000,"cgroup":"/a","counts":[7,70],"label":"miner/x"}
{"t_ns":700000000,"dt_ns":100000000,"cgroup":"/a","counts":[5,50],"label":"miner/x"}
{"t_ns":900000000,"dt_ns":200000000,"cgroup":"/a","counts":[13,130],"label":"benign/y"}
{"t_ns":200000000,"dt_ns":100000000,"cgroup":"/b","counts":[5,5]}
EOF
if cmp -s "$T/body" "$T/want"; then
	ok "sums per cgroup; cut at the gap (700ms alone) and at the label change; dt-weighted running"
else
	bad "resampled samples differ:"; diff "$T/want" "$T/body"
fi
grep -q "1 samples at gaps or ends made sums shorter than half of --resample" "$T/err" \
	&& ok "the 30 ms tail is reported, not written silently" || bad "no report of the short tail: $(cat "$T/err")"

# A longer run: 100 ms samples of a 2 s trace summed to 1 s keep the totals.
awk 'BEGIN {
	print "{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":100000000,\"cpus\":2,\"events\":[\"task-clock\",\"syscalls\"],\"created\":\"2026-11-26T00:00:00Z\"}"
	for (i = 1; i <= 20; i++)
		printf "{\"t_ns\":%d,\"dt_ns\":100000000,\"cgroup\":\"/c\",\"counts\":[%d,%d],\"label\":\"benign/c\"}\n", i * 100000000, 90000000 + i, i
}' > "$T/long.cjdt"
"$CJD_BIN" trace cat --resample 1s -o "$T/long1s.cjdt.gz" "$T/long.cjdt" 2>"$T/err" || bad "1s: $(cat "$T/err")"
n=$("$CJD_BIN" trace stats --json "$T/long1s.cjdt.gz" | sed 's/.*"samples":\([0-9]*\).*/\1/')
[ "$n" = 2 ] && ok "20 x 100 ms -> 2 x 1 s" || bad "expected 2 samples, got $n"
a=$("$CJD_BIN" trace stats --json "$T/long.cjdt" | sed 's/.*"totals":\({[^}]*}\).*/\1/')
b=$("$CJD_BIN" trace stats --json "$T/long1s.cjdt.gz" | sed 's/.*"totals":\({[^}]*}\).*/\1/')
[ "$a" = "$b" ] && ok "totals kept ($b)" || bad "totals $a -> $b"
[ ! -s "$T/err" ] && ok "nothing left out" || bad "unexpected: $(cat "$T/err")"

# Bad DUR.
"$CJD_BIN" trace cat --resample 50ms "$T/in.cjdt" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "resample 50ms is shorter than the interval of .*in.cjdt (100ms)" "$T/err" \
	&& ok "DUR below the interval: usage error" || bad "50ms: $(cat "$T/err")"
"$CJD_BIN" trace cat --resample soon "$T/in.cjdt" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "is not a duration" "$T/err" && ok "DUR not a duration: usage error" || bad "soon: $(cat "$T/err")"
exit $fail
