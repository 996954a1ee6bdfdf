#!/bin/sh
# Every committed corpus trace validates, is a simpmu (<w>.sim) or perf (<w>.real) recording
# of one workload with the label <kind>/<workload> on every sample and meta.workload, and has
# at least 60 samples, enough for W=8 windows. A .sim trace may instead be "derived" (from
# the workload's real recording, meta.derived_from: sleep.sh). Every workload script has a
# trace for each mode its Usage line lists ("Usage: x.sh sim|real"), unless train_options.sh
# lists it as not recorded yet (UNTRAINED).
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
data=$CJD_SOURCE_DIR/models/data
wl=$CJD_SOURCE_DIR/models/workloads
. "$CJD_SOURCE_DIR/models/train_options.sh" # UNTRAINED
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 (Debian python3) is needed to read headers"; exit 77; }
fail=0
n=0
for f in "$data"/*.cjdt.gz; do
	[ -e "$f" ] || { echo "FAIL no traces in $data"; exit 1; }
	n=$((n + 1))
	base=$(basename "$f" .cjdt.gz)
	name=${base%.*}
	mode=${base##*.}
	if ! "$CJD_BIN" trace validate -q "$f"; then
		echo "FAIL $base does not validate"; fail=1; continue
	fi
	[ -x "$wl/$name.sh" ] || { echo "FAIL $base: no workload script $name.sh"; fail=1; }
	kind=$(sed -n 's/^\(wl\|ctr\)_init \([a-z]*\) .*/\2/p' "$wl/$name.sh" 2>/dev/null)
	[ -z "$kind" ] && grep -q "^evade_init " "$wl/$name.sh" 2>/dev/null && kind=miner
	want_source=simpmu
	[ "$mode" = real ] && want_source=perf
	if "$CJD_BIN" trace stats --json "$f" | /usr/bin/python3 -c '
import gzip, json, sys
path, name, kind, source = sys.argv[1:5]
st = json.load(sys.stdin)
with gzip.open(path, "rt") as fh:
    hdr = json.loads(fh.readline())
errs = []
derived = source == "simpmu" and hdr["source"] == "derived" and hdr["meta"].get("derived_from")
if hdr["source"] != source and not derived:
    errs.append("source %r, expected %r" % (hdr["source"], source))
if hdr["meta"].get("workload") != name:
    errs.append("meta.workload %r" % hdr["meta"].get("workload"))
want = "%s/%s" % (kind, name)
if st["labels"] != {want: st["samples"]}: errs.append("labels %r, expected all %r" % (st["labels"], want))
if st["samples"] < 60: errs.append("only %d samples (< 60)" % st["samples"])
if source == "simpmu" and not derived and not hdr["meta"].get("simulated"): errs.append("meta.simulated is not true")
print("%s: %d samples, %s" % (path.rsplit("/", 1)[-1], st["samples"], "; ".join(errs) or "ok"))
sys.exit(1 if errs else 0)
' "$f" "$name" "$kind" "$want_source"; then :; else fail=1; fi
done
# Every workload script has a trace for each mode its Usage line offers.
for s in "$wl"/*.sh; do
	name=$(basename "$s" .sh)
	case "$name" in lib|evade_lib|ctr_lib) continue ;; esac
	modes=$(sed -n 's/^# Usage: [^ ]* \([a-z|]*\).*/\1/p' "$s" | tr '|' ' ')
	[ -n "$modes" ] || { echo "FAIL $name.sh has no '# Usage: $name.sh MODES' line"; fail=1; }
	for m in $modes; do
		[ -f "$data/$name.$m.cjdt.gz" ] && continue
		# Scripted but not recorded yet: listed as such in train_options.sh (UNTRAINED).
		case " $(echo $UNTRAINED) " in
		*" $name "*) echo "note $name.$m.cjdt.gz is not recorded yet (UNTRAINED in models/train_options.sh)" ;;
		*) echo "FAIL workload $name has no $name.$m.cjdt.gz"; fail=1 ;;
		esac
	done
done
echo "$n traces checked"
exit $fail
