#!/bin/sh
# `cjd inspect` from the command line: usage errors (exit 2), targets that do not exist (1), a real process (0, text and JSON), no permission (1).
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
expect 2 "unknown probe 'nope' (known: fpstate, memory" --probes nope --pid 1
expect 2 "--rounds: '0' is not a whole number from 1 to 64" --rounds 0 --pid 1
expect 2 "--rounds: '65' is not" --rounds 65 --pid 1
expect 2 "--max-pause: at most 1s" --max-pause 2s --pid 1
expect 2 "--duration: 'soon' is not a duration" --duration soon --pid 1
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
assert j["memory"]["processes_read"] == 1
assert isinstance(j["summary"], list) and j["summary"], j
assert j["fpstate"]["status"] in ("ok", "unavailable", "failed"), j["fpstate"]
if j["fpstate"]["status"] == "ok":
    assert j["fpstate"]["threads_looked"] == 1, j["fpstate"]
    assert j["fpstate"]["threads"][0]["rounding"] == ["nearest"]
' "$spid" && ok "--json: target, probes, summary" || bad "--json: $json"

# a gone process
kill "$spid"
wait "$spid" 2>/dev/null
expect 1 "process $spid does not exist" --pid "$spid"

# without the privilege: another user's process, asked for by name, is a failure (1)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	sleep 30 &
	spid=$!
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$CJD_BIN" inspect --pid "$spid" --probes fpstate 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "permission denied"; then
		ok "no CAP_SYS_PTRACE: fpstate refused, exit 1"
	else
		bad "no CAP_SYS_PTRACE: exit $rc: $out"
	fi
	kill "$spid"
	wait "$spid" 2>/dev/null
else
	echo "skip: the permission case needs root and setpriv"
fi
exit $fail
