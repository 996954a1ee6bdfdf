#!/bin/sh
# Regression tests on the SHIPPED models (models/hw-default.json, sw-default.json,
# sw-nosyscalls.json): they load, the default model is picked by the trace's events, and cjd
# replay with them flags recorded miner traces and passes recorded compression traces from
# models/data (for sw-nosyscalls, rewritten without the syscalls event).
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
M=$CJD_SOURCE_DIR/models
D=$M/data
. "$(dirname "$0")/../lib.sh"

for m in hw sw; do
	[ -f "$M/$m-default.json" ] || { bad "models/$m-default.json is missing"; continue; }
	# cjd eval loads with the detector's loader; a model that does not load fails here.
	"$CJD_BIN" eval -q --model "$M/$m-default.json" --json "$D/gzip.$([ $m = hw ] && echo sim || echo real).cjdt.gz" \
		> "$T/$m.json" 2>"$T/err" && ok "$m-default.json loads and scores" || bad "$m-default.json: $(cat "$T/err")"
	grep -q "\"name\": \"$m-default\"" "$M/$m-default.json" && ok "$m-default.json is named $m-default" \
		|| bad "$m-default.json has another name"
done

# replay TRACE: runs cjd replay with the default model of the trace's events (from models/)
# and prints "<alerts fired> <windows> <windows flagged> <model name>" of its one cgroup.
replay() {
	CJD_MODEL_DIR=$M "$CJD_BIN" replay -q --summary-json "$T/sum.json" "$1" > "$T/alerts" 2>"$T/err" \
		|| { echo "error $(cat "$T/err")"; return; }
	/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
c = s["cgroups"]
print(sum(x["alerts"]["firing"] for x in c), sum(x["windows"] for x in c),
      sum(x["windows_flagged"] for x in c), s["model"]["name"])' "$T/sum.json"
}
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 (Debian python3) is needed to read summaries"; exit 77; }

# expect TRACE fires|passes MODEL
expect() {
	set -- "$1" "$2" "$3" $(replay "$D/$1")
	if [ "$4" = error ]; then bad "$1: replay failed: $*"; return; fi
	[ "$7" = "$3" ] || { bad "$1: replayed with $7, expected $3"; return; }
	if [ "$2" = fires ] && [ "$4" -ge 1 ]; then ok "$1: $3 fires ($6 of $5 windows flagged)"
	elif [ "$2" = passes ] && [ "$4" -eq 0 ]; then ok "$1: $3 passes ($6 of $5 windows flagged)"
	else bad "$1: expected $3 to $2; $4 alerts, $6 of $5 windows flagged"; fi
}
expect randomx-light.sim.cjdt.gz fires hw-default
expect randomx-throttled.sim.cjdt.gz fires hw-default
expect gzip.sim.cjdt.gz passes hw-default
expect zstd.sim.cjdt.gz passes hw-default
expect randomx-light.real.cjdt.gz fires sw-default
expect sha256d.real.cjdt.gz fires sw-default
expect gzip.real.cjdt.gz passes sw-default
expect idle.real.cjdt.gz passes sw-default

# Without syscalls (a host where tracefs could not be mounted) the pick is sw-nosyscalls.
[ -f "$M/sw-nosyscalls.json" ] && grep -q '"name": "sw-nosyscalls"' "$M/sw-nosyscalls.json" &&
	! grep -q '"syscalls"' "$M/sw-nosyscalls.json" && ok "sw-nosyscalls.json is named so and needs no syscalls" ||
	bad "models/sw-nosyscalls.json is missing, misnamed, or needs syscalls"
# drop_syscalls IN OUT: the trace as a host without tracefs would have recorded it
drop_syscalls() {
	/usr/bin/python3 -c '
import gzip, json, sys
with gzip.open(sys.argv[1], "rt") as f, gzip.open(sys.argv[2], "wt") as o:
    head = json.loads(f.readline())
    i = head["events"].index("syscalls")
    del head["events"][i]
    o.write(json.dumps(head) + "\n")
    for line in f:
        s = json.loads(line)
        for k in ("counts", "running"):
            if k in s:
                del s[k][i]
        o.write(json.dumps(s) + "\n")' "$1" "$2"
}
for w in randomx-light sha256d gzip idle; do
	drop_syscalls "$D/$w.real.cjdt.gz" "$T/$w-nosys.real.cjdt.gz" || bad "cannot rewrite $w"
done
D=$T
expect randomx-light-nosys.real.cjdt.gz fires sw-nosyscalls
expect sha256d-nosys.real.cjdt.gz fires sw-nosyscalls
expect gzip-nosys.real.cjdt.gz passes sw-nosyscalls
expect idle-nosys.real.cjdt.gz passes sw-nosyscalls
exit $fail
