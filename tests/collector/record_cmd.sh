#!/bin/sh
# `cjd record -- CMD`: a fresh cgroup per run, stable sample names, exit status, Ctrl-C, cleanup.
# Needs root and a cgroup v2 hierarchy; exits 77 (SKIP) with the reason otherwise.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to create cgroups"; exit 77; }
. "$(dirname "$0")/../lib.sh"

# The cgroup a run used, from its log line, must be gone afterwards.
cgroup_gone() {
	dir=$(sed -n "s/.*running '.*' in cgroup \([^ ]*\) as .*/\1/p" "$1")
	[ -n "$dir" ] && [ ! -e "$dir" ]
}

# 1. A busy command, 100 ms samples, named and labelled.
# (at nice -15: on a shared host other tests' loops run at -15 and would starve it at 0)
"$CJD_BIN" record -q -i 100ms -d 600ms --label benign/spin --name spin -o "$T/a.cjdt" \
	-- nice -n -15 sh -c 'while :; do :; done' 2>"$T/a.err"
rc=$?
if [ $rc -ne 0 ]; then
	if grep -q "perf_event_paranoid\|no cgroup2 mount" "$T/a.err"; then
		echo "SKIP: $(tail -1 "$T/a.err")"; exit 77
	fi
	bad "record -- busy loop exited $rc: $(cat "$T/a.err")"
fi
"$CJD_BIN" trace validate -q "$T/a.cjdt" || bad "a.cjdt does not validate"
n=$(grep -c '"cgroup":"/spin"' "$T/a.cjdt")
[ "$n" -ge 5 ] && [ "$n" -le 7 ] && ok "6 samples of /spin ($n)" || bad "expected ~6 samples of /spin, got $n"
grep -q '"label":"benign/spin"' "$T/a.cjdt" && ok "label" || bad "label missing"
head -1 "$T/a.cjdt" | grep -q '"interval_ns":100000000' && ok "interval_ns" || bad "interval_ns"
head -1 "$T/a.cjdt" | grep -q '"cgroup_path":"/cjd-record-' && ok "meta cgroup_path" || bad "meta.cgroup_path"
head -1 "$T/a.cjdt" | grep -q '"mode":"' && ok "meta mode" || bad "meta.mode"
grep -q "mode (" "$T/a.err" && ok "mode printed" || bad "mode not printed on stderr"
# the busy loop's CPU is counted: at least a fifth of a CPU in its best full 100 ms sample,
# however loaded the host (task-clock is counts[0] in software mode)
busy=$(sed -n '3,$p' "$T/a.cjdt" | sed 's/.*"counts":\[\([0-9]*\).*/\1/' | sort -n | tail -1)
[ "${busy:-0}" -gt 20000000 ] && ok "busy task-clock $busy ns" || bad "busy task-clock ${busy:-?} ns too low"
cgroup_gone "$T/a.err" && ok "cgroup removed" || bad "cgroup left behind: $(grep running "$T/a.err")"

# 2. The default name is CMD's basename; a command that ends by itself ends the recording.
"$CJD_BIN" record -q -i 50ms -o "$T/b.cjdt" -- /bin/sleep 0.3 2>"$T/b.err"
[ $? -eq 0 ] && ok "record -- sleep 0.3" || bad "record -- sleep: $(cat "$T/b.err")"
grep -q '"cgroup":"/sleep"' "$T/b.cjdt" && ok "name from basename" || bad "no /sleep samples"
cgroup_gone "$T/b.err" || bad "cgroup of sleep left behind"

# 3. A failing command: exit 1, but the trace is complete.
"$CJD_BIN" record -q -i 50ms -o "$T/c.cjdt" -- sh -c 'sleep 0.2; exit 3' 2>"$T/c.err"
[ $? -eq 1 ] && grep -q "exited with status 3" "$T/c.err" && ok "CMD exit 3 -> exit 1" || bad "CMD failure: $(cat "$T/c.err")"
"$CJD_BIN" trace validate -q "$T/c.cjdt" || bad "c.cjdt does not validate"

# 4. A command that does not exist.
"$CJD_BIN" record -q -o "$T/d.cjdt" -- /nonexistent/cmd 2>"$T/d.err"
[ $? -eq 1 ] && grep -q "cannot run '/nonexistent/cmd'" "$T/d.err" && ok "missing CMD" || bad "missing CMD: $(cat "$T/d.err")"
# 4b. A cgroup left by a killed run (its pid is gone) is swept by the next run.
root=$(sed -n "s/.*running '.*' in cgroup \([^ ]*\)\/cjd-record-[^ ]* as .*/\1/p" "$T/a.err")
sh -c 'exit 0' & dead=$!; wait $dead
if [ -n "$root" ] && ! kill -0 "$dead" 2>/dev/null && mkdir "$root/cjd-record-$dead-7" 2>/dev/null; then
	"$CJD_BIN" record -i 50ms -o "$T/s.cjdt" -- true 2>"$T/s.err"
	if [ ! -e "$root/cjd-record-$dead-7" ] && grep -q "removed $root/cjd-record-$dead-7" "$T/s.err"; then
		ok "stale cgroup of dead pid $dead swept"
	else
		bad "stale cgroup $root/cjd-record-$dead-7 not swept: $(cat "$T/s.err")"
		rmdir "$root/cjd-record-$dead-7" 2>/dev/null
	fi
else
	bad "could not set up a stale cgroup under '${root:-?}'"
fi
ls -d /sys/fs/cgroup/unified/cjd-record-* /sys/fs/cgroup/cjd-record-* 2>/dev/null | while read -r d; do
	pid=${d##*cjd-record-}; pid=${pid%%-*}
	kill -0 "$pid" 2>/dev/null || echo "FAIL stale $d"
done | grep FAIL && fail=1

# 5. SIGINT (Ctrl-C) stops cleanly: CMD is stopped, the file is whole, exit 0.
"$CJD_BIN" record -q -i 100ms -o "$T/e.cjdt" -- sleep 30 2>"$T/e.err" &
pid=$!
sleep 0.6
kill -INT $pid
t0=$(date +%s)
wait $pid
rc=$?
t1=$(date +%s)
[ $rc -eq 0 ] && ok "SIGINT -> exit 0" || bad "SIGINT: exit $rc $(cat "$T/e.err")"
[ $((t1 - t0)) -le 3 ] && ok "stopped within 3 s" || bad "took $((t1 - t0)) s to stop"
"$CJD_BIN" trace validate -q "$T/e.cjdt" && ok "e.cjdt whole" || bad "e.cjdt does not validate"
[ "$(tail -c 1 "$T/e.cjdt" | od -An -c | tr -d ' ')" = '\n' ] && ok "ends on a newline" || bad "last line cut"
cgroup_gone "$T/e.err" && ok "cgroup removed after SIGINT" || bad "cgroup left after SIGINT"

# 5b. -d stops a command that loops forever: exit 0 and a complete trace even when CMD
# traps the SIGTERM and exits non-zero (as the corpus's shell loops do); --workload lands
# in the header's meta.
"$CJD_BIN" record -q -i 100ms -d 500ms --workload spin-1 -o "$T/g.cjdt" \
	-- sh -c 'trap "exit 3" TERM; while :; do sleep 0.05; done' 2>"$T/g.err"
rc=$?
[ $rc -eq 0 ] && ok "-d stops a TERM-trapping loop: exit 0" || bad "-d with a trapping loop: exit $rc $(cat "$T/g.err")"
grep -q "exited with status 3 after cjd stopped it" "$T/g.err" && ok "its status is reported" || bad "no status line: $(cat "$T/g.err")"
"$CJD_BIN" trace validate -q "$T/g.cjdt" && ok "g.cjdt whole" || bad "g.cjdt does not validate"
n=$(grep -c '"cgroup":' "$T/g.cjdt")
[ "$n" -ge 4 ] && [ "$n" -le 6 ] && ok "5 samples with -d 500ms ($n)" || bad "expected ~5 samples, got $n"
head -1 "$T/g.cjdt" | grep -q '"workload":"spin-1"' && ok "meta.workload" || bad "meta.workload missing"
cgroup_gone "$T/g.err" && ok "cgroup removed after -d" || bad "cgroup left after -d"

# 5c. A command that starts a daemon (its own session, SIGTERM ignored, as gpg starts
# gpg-agent) and exits: the daemon is stopped - SIGTERM, then SIGKILL after --kill-after -
# with both steps said, the cgroup removed, and nothing left running.
tag="cjd-record-daemon-$$"
start=$(date +%s)
timeout 60 "$CJD_BIN" record -q -i 100ms --kill-after 1s -o "$T/h.cjdt" \
	-- sh -c "setsid sh -c 'trap \"\" TERM; exec sleep 1000 # $tag' </dev/null >/dev/null 2>&1 & sleep 0.3" \
	2>"$T/h.err"
rc=$?
[ $rc -eq 0 ] && ok "record of a daemon-starting CMD ends ($(( $(date +%s) - start )) s)" \
	|| bad "record of a daemon-starting CMD: exit $rc $(cat "$T/h.err")"
grep -q "'sh' exited and left 1 process in its cgroup (a daemon it started?); sending SIGTERM" "$T/h.err" \
	&& ok "leftover daemon reported" || bad "no leftover line: $(cat "$T/h.err")"
grep -q "1 process still running 1s after SIGTERM (CMD and what it started, in its cgroup); sent SIGKILL" "$T/h.err" \
	&& ok "SIGKILL after --kill-after reported" || bad "no SIGKILL line: $(cat "$T/h.err")"
sleep 0.2
if pgrep -f "$tag" >/dev/null; then bad "the daemon survived"; pkill -KILL -f "$tag"; else ok "daemon gone"; fi
cgroup_gone "$T/h.err" && ok "cgroup removed after the daemon" || bad "cgroup left after the daemon"

# 5d. -d stops a CMD that ignores SIGTERM: SIGKILL after --kill-after, said, exit 0.
"$CJD_BIN" record -q -i 100ms -d 300ms --kill-after 1s -o "$T/k.cjdt" \
	-- sh -c 'trap "" TERM; while :; do sleep 0.05; done' 2>"$T/k.err"
rc=$?
[ $rc -eq 0 ] && ok "-d with a TERM-ignoring CMD: exit 0" || bad "-d, TERM ignored: exit $rc $(cat "$T/k.err")"
grep -q "still running 1s after SIGTERM (CMD and what it started, in its cgroup); sent SIGKILL" "$T/k.err" \
	&& ok "its SIGKILL is reported" || bad "no SIGKILL line: $(cat "$T/k.err")"
"$CJD_BIN" trace validate -q "$T/k.cjdt" && ok "k.cjdt whole" || bad "k.cjdt does not validate"
cgroup_gone "$T/k.err" && ok "cgroup removed after SIGKILL" || bad "cgroup left after SIGKILL"
"$CJD_BIN" record --kill-after 1s -o "$T/x" 2>/dev/null; [ $? -eq 2 ] && ok "--kill-after without CMD" \
	|| bad "--kill-after without CMD must exit 2"

# 5e. --evidence: the command's cgroup inspected 2 s in and then every 3 s, each inspection an
# evidence record of its cgroup name; the trace validates and its samples are unchanged.
"$CJD_BIN" record -q -i 100ms -d 6s --evidence=3s --name evspin -o "$T/e.cjdt" \
	-- nice -n -15 sh -c 'while :; do :; done' 2>"$T/e.err"
rc=$?
[ $rc -eq 0 ] && ok "record --evidence: exit 0" || bad "record --evidence: exit $rc $(cat "$T/e.err")"
"$CJD_BIN" trace validate "$T/e.cjdt" >"$T/e.val" 2>&1 && ok "e.cjdt validates" || bad "e.cjdt: $(cat "$T/e.val")"
nev=$(grep -c '^{"type":"evidence","t_ns":[0-9]*,"cgroup":"/evspin","inspection":{' "$T/e.cjdt")
# 2 s and 5 s; on a loaded host the first inspection (about 2.5 s) may end after 6 s, and
# the second is then never started
[ "$nev" -ge 1 ] && [ "$nev" -le 2 ] && ok "$nev evidence records (2 s, 5 s)" \
	|| bad "expected 1-2 evidence records, got $nev"
grep -q "samples, $nev evidence records" "$T/e.val" && ok "validate counts them" || bad "validate: $(cat "$T/e.val")"
grep '"type":"evidence"' "$T/e.cjdt" | head -1 | grep -q '"fpstate":{' && ok "an inspection with fpstate" \
	|| bad "no fpstate in the evidence record"
cgroup_gone "$T/e.err" && ok "cgroup removed after --evidence" || bad "cgroup left after --evidence"
"$CJD_BIN" record --evidence -o "$T/x" 2>/dev/null; [ $? -eq 2 ] && ok "--evidence without CMD" \
	|| bad "--evidence without CMD must exit 2"
"$CJD_BIN" record --evidence=1s -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "--evidence=1s" \
	|| bad "--evidence=1s must exit 2"

# 6. Usage errors exit 2, before anything is created.
"$CJD_BIN" record -i 5ms -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "-i 5ms" || bad "-i 5ms must exit 2"
"$CJD_BIN" record --cgroup '/x' -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "--cgroup with CMD" || bad "--cgroup with CMD must exit 2"
"$CJD_BIN" record -- true 2>/dev/null; [ $? -eq 2 ] && ok "no -o" || bad "missing -o must exit 2"
"$CJD_BIN" record -o - -- true 2>/dev/null; [ $? -eq 2 ] && ok "-o - with CMD" || bad "-o - with CMD must exit 2"
"$CJD_BIN" record --events cycles,nope -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "bad event" || bad "unknown event must exit 2"
"$CJD_BIN" record --label evil -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "bad label" || bad "bad label must exit 2"
"$CJD_BIN" record --workload 'a/b' -o "$T/x" -- true 2>/dev/null; [ $? -eq 2 ] && ok "bad workload" || bad "bad --workload must exit 2"
[ ! -e "$T/x" ] || bad "a usage error created the output file"

# 7. Asking for an event this host cannot count fails clearly (never faked).
if "$CJD_BIN" events | grep -q '^cycles .* no '; then
	"$CJD_BIN" record --events cycles,task-clock -o "$T/f.cjdt" -- true 2>"$T/f.err"
	[ $? -eq 1 ] && grep -q "cycles cannot be counted here" "$T/f.err" && ok "cycles refused" || bad "cycles: $(cat "$T/f.err")"
fi
exit $fail
