#!/bin/sh
# `cjd inspect` from the command line: usage errors (exit 2), targets that do not exist (1), real processes and a real cgroup with all four probes (0, text and JSON), no permission (1).
set -u
. "$(dirname "$0")/../lib.sh"
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"


# expect CODE PATTERN ARGS...: cjd inspect ARGS exits CODE and says PATTERN (stdout or stderr)
expect() {
	want=$1 pat=$2
	shift 2
	out=$("$CJD_BIN" inspect "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "cjd inspect $* exited $rc, not $want: $out"
	elif ! printf '%s' "$out" | grep -q -- "$pat"; then
		bad "cjd inspect $*: no '$pat' in: $out"
	else
		ok "cjd inspect $* -> $rc"
	fi
}

expect 0 'Usage: cjd inspect' --help
expect 2 'give either a CGROUP or --pid PID'
expect 2 'give either a CGROUP or --pid PID' /x --pid 1
expect 2 "unknown probe 'nope' (known: fpstate, codesample, network, memory, stratum, or all)" --probes nope --pid 1
expect 2 "--rounds: '0' is not a whole number from 1 to 64" --rounds 0 --pid 1
expect 2 "--rounds: '65' is not" --rounds 65 --pid 1
expect 2 "--max-pause: at most 1s" --max-pause 2s --pid 1
expect 2 "--duration: 'soon' is not a duration" --duration soon --pid 1
expect 2 "--sample-for: at most 60s" --sample-for 61s --pid 1
expect 2 "--sample-period: '10us' is below the minimum of 100us" --sample-period 10us --pid 1
expect 2 "--net-window: 'x' is not a duration" --net-window x --pid 1
expect 2 "unknown option '--bogus'" --bogus
expect 2 "unexpected argument 'b'" a b
expect 2 "--root goes with a CGROUP" --root / --pid 1
expect 1 "cgroup '/cjd-ev-fp-no-such-$$' does not exist" "/cjd-ev-fp-no-such-$$"
expect 1 "process 999999999 does not exist" --pid 999999999

# a process of our own: runs, in text and JSON
sleep 30 &
spid=$!
expect 0 "memory: 1 process holds" --pid "$spid" --probes memory
expect 0 '^summary:' --pid "$spid" --rounds 2 --duration 10ms
json=$("$CJD_BIN" inspect --pid "$spid" --rounds 2 --duration 10ms --json) || bad "--json exited $?"
printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["target"]["pid"] == int(sys.argv[1]), j["target"]
assert j["memory"]["status"] == "ok", j["memory"]
# sleep holds no pool message
assert j["stratum"]["status"] == "ok" and j["stratum"]["markers"] == [], j["stratum"]
assert j["memory"]["processes_read"] == 1
assert isinstance(j["summary"], list) and j["summary"], j
assert j["fpstate"]["status"] in ("ok", "unavailable", "failed"), j["fpstate"]
if j["fpstate"]["status"] == "ok":
    assert j["fpstate"]["threads_looked"] == 1, j["fpstate"]
    assert j["fpstate"]["threads"][0]["rounding"] == ["nearest"]
' "$spid" && ok "--json: target, probes, summary" || bad "--json: $json"

# all five probes on a process with a loopback connection exchanging small messages (the
# network test workload), in one JSON object: each probe's status, and a sentence each
quick="--rounds 2 --duration 10ms --sample-for 300ms --net-window 300ms"
: "${CJD_NETPEER:?CJD_NETPEER must point at evidence_netpeer}"
fifo=$(mktemp -u "${TMPDIR:-/tmp}/cjd-ev-merge-$$-XXXXXX")
mkfifo "$fifo"
"$CJD_NETPEER" chat > "$fifo" &
npid=$!
read -r line < "$fifo"
rm -f "$fifo"
[ "$line" = ready ] || bad "evidence_netpeer chat did not start: $line"
# shellcheck disable=SC2086
json=$("$CJD_BIN" inspect --pid "$npid" $quick --json) || bad "--json (all probes) exited $?"
printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
probes = ["fpstate", "codesample", "network", "memory", "stratum"]
for p in probes:
    assert j[p]["status"] in ("ok", "unavailable", "failed"), (p, j[p])
assert [s.split(":")[0] for s in j["summary"]] == probes, j["summary"]
assert j["network"]["status"] == "ok", j["network"]
assert j["network"]["counts"]["outbound"] == 1, j["network"]
out = [s for s in j["network"]["sockets"] if s["role"] == "outbound"][0]
assert out["remote"] == "127.0.0.1" and out["loopback"], out
assert j["memory"]["status"] == "ok", j["memory"]
# the client builds {"id":N,"method":"submit"} messages: one marker, in its memory only
assert j["stratum"]["status"] == "ok", j["stratum"]
assert j["stratum"]["markers"] == ["method:submit"], j["stratum"]
assert j["stratum"]["processes_with_2_markers"] == 0, j["stratum"]
if j["codesample"]["status"] == "ok":
    # a process target: its own threads are sampled, not its whole cgroup
    assert j["codesample"]["mode"] == "threads", j["codesample"]
if j["fpstate"]["status"] == "ok":
    assert j["fpstate"]["threads_looked"] >= 1, j["fpstate"]
' && ok "--json: all five probes, one sentence each, the loopback connection, its submit messages" || bad "--json (all probes): $json"
# shellcheck disable=SC2086
text=$("$CJD_BIN" inspect --pid "$npid" $quick --probes network,codesample 2>&1) || bad "text exited $?"
printf '%s' "$text" | grep -q "network: 1 outbound TCP connection: 127.0.0.1:" &&
	printf '%s' "$text" | grep -q "^codesample: " && ! printf '%s' "$text" | grep -q "{...}" &&
	ok "text: the network sentence and every probe's figures" || bad "text: $text"
kill "$npid"
wait "$npid" 2>/dev/null

# a whole cgroup: code sampling on every CPU in cgroup mode, here generated code running from
# anonymous memory (needs root and the cgroup v2 hierarchy perf_event counts on)
: "${CJD_CODELOAD:?CJD_CODELOAD must point at evidence_codeload}"
v2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ "$(id -u)" = 0 ] && [ -n "$v2" ] && ! grep -q 'perf_event' /proc/self/mounts; then
	cg="$v2/cjd-ev-merge-$$"
	mkdir "$cg"
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" jit' sh "$cg" "$CJD_CODELOAD" > /dev/null &
	jpid=$!
	sleep 0.3
	json=$("$CJD_BIN" inspect "$cg" --probes codesample,network,memory --sample-for 500ms \
		--net-window 100ms --json) || bad "cgroup --json exited $?"
	printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["target"]["processes"] == 1, j["target"]
c = j["codesample"]
assert c["status"] == "ok" and c["mode"] == "cgroup", c
assert c["samples"]["user"] > 0 and c["regions"]["off_disk_share"] > 0.9, c
assert "anonymous executable memory" in j["summary"][0], j["summary"]
assert "fpstate" not in j, "not selected: left out"
' && ok "cgroup target: sampled as a cgroup, JIT code found" || bad "cgroup target: $json"
	kill "$jpid"
	wait "$jpid" 2>/dev/null
	rmdir "$cg" || bad "could not remove $cg"
else
	echo "skip: the cgroup case needs root and perf_event on the cgroup v2 hierarchy"
fi

# a gone process
kill "$spid"
wait "$spid" 2>/dev/null
expect 1 "process $spid does not exist" --pid "$spid"

# without the privilege: another user's process, asked for by name, is a failure (1)
# refused PROBE TEXT: cjd inspect as nobody, without capabilities, on $spid exits 1 saying TEXT
refused() {
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$CJD_BIN" inspect --pid "$spid" --probes "$1" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "$2"; then
		ok "no CAP_SYS_PTRACE: $1 refused, exit 1, saying '$2'"
	else
		bad "no CAP_SYS_PTRACE ($1): exit $rc: $out"
	fi
}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	sleep 30 &
	spid=$!
	refused fpstate "permission denied"
	refused stratum "needs CAP_SYS_PTRACE"
	kill "$spid"
	wait "$spid" 2>/dev/null
else
	echo "skip: the permission case needs root and setpriv"
fi
exit $fail
