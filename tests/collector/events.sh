#!/bin/sh
# `cjd events`: the table, JSON, raw encodings and option conflicts.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
. "$(dirname "$0")/../lib.sh"

out=$("$CJD_BIN" events) || bad "cjd events exited $?"
for ev in cycles instructions task-clock context-switches cpu-migrations page-faults syscalls; do
	printf '%s\n' "$out" | grep -q "^$ev " || bad "event $ev missing from the table"
done
printf '%s\n' "$out" | grep -q '^mode: \(hardware\|software\) (' && ok "mode line" || bad "no mode line"
# every 'no' says why
printf '%s\n' "$out" | awk '$3 == "no" && NF < 6 { bad = 1 } END { exit bad }' && ok "every no has a reason" || bad "a 'no' without a reason"
json=$("$CJD_BIN" events --json) || bad "--json exited $?"
case "$json" in
'{"mode":'*'"events":['*) ok "json shape" ;;
*) bad "json: $json" ;;
esac
[ "$(printf '%s' "$json" | grep -o '"why":' | wc -l)" -eq 13 ] && ok "13 events in json" || bad "json event count"

"$CJD_BIN" events --encode perf::cycles | grep -q 'type=0 config=0 ' && ok "encode perf::cycles" || bad "encode perf::cycles"
"$CJD_BIN" events --encode perf::L1-dcache-load-misses | grep -q 'type=3 config=0x10000 ' && ok "encode L1D" || bad "encode L1D"
LIBPFM_FORCE_PMU=amd64_fam19h_zen4 LIBPFM_ENCODE_INACTIVE=1 "$CJD_BIN" events --encode amd64_fam19h_zen4::RETIRED_INSTRUCTIONS | grep -q 'type=4 config=0xc0 ' && ok "encode zen4 raw" || bad "encode zen4 raw"
"$CJD_BIN" events --encode bogus::X 2>/dev/null; [ $? -eq 1 ] && ok "bad encode exits 1" || bad "bad encode must exit 1"
"$CJD_BIN" events --pfm >/dev/null || bad "--pfm exited $?"
LIBPFM_FORCE_PMU=icl "$CJD_BIN" events --pfm | grep -q '^icl' && ok "--pfm with forced icl" || bad "--pfm icl"
"$CJD_BIN" events --pfm --encode x 2>/dev/null; [ $? -eq 2 ] && ok "conflict exits 2" || bad "--pfm --encode must exit 2"
"$CJD_BIN" events --all 2>/dev/null; [ $? -eq 2 ] && ok "--all alone exits 2" || bad "--all without --pfm must exit 2"
"$CJD_BIN" events extra 2>/dev/null; [ $? -eq 2 ] && ok "extra arg exits 2" || bad "extra argument must exit 2"
exit $fail
