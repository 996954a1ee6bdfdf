#!/bin/sh
# Without privileges: `cjd events` says why per event, `cjd record` fails with the fix named.
# Runs as root and drops to nobody with setpriv; exits 77 (SKIP) when that is impossible.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to switch to an unprivileged user"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is not installed"; exit 77; }
p=$(cat /proc/sys/kernel/perf_event_paranoid)
[ "$p" -gt 0 ] || { echo "SKIP: perf_event_paranoid is $p: unprivileged users may count"; exit 77; }
. "$(dirname "$0")/../lib.sh"
chmod 777 "$T"
# The binary must be reachable by nobody.
BIN="$T/cjd"
cp "$CJD_BIN" "$BIN" && chmod 755 "$BIN"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }

out=$(as_nobody "$BIN" events) || bad "events as nobody exited $?"
printf '%s\n' "$out" | grep -q '^task-clock .* no .*paranoid: needs kernel.perf_event_paranoid <= 0 or CAP_PERFMON' \
	&& ok "task-clock: paranoid reason" || bad "task-clock reason: $(printf '%s\n' "$out" | grep task-clock)"
printf '%s\n' "$out" | grep -q '^permission: denied: .*setcap cap_perfmon' && ok "fix named" || bad "no fix line"

as_nobody "$BIN" record -d 1s -o "$T/x.cjdt" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "record exits 1" || bad "record as nobody exited $rc"
grep -q "kernel.perf_event_paranoid <= 0 (it is $p)" "$T/err" && grep -q "sysctl -w kernel.perf_event_paranoid=0" "$T/err" \
	&& ok "record names paranoid and the fix" || bad "record error: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -le 3 ] && ok "short error" || bad "error is $(wc -l <"$T/err") lines"
[ ! -e "$T/x.cjdt" ] && ok "no half trace written" || bad "a trace file was left"

as_nobody "$BIN" record -o "$T/y.cjdt" -- true 2>"$T/err2"
rc=$?
[ $rc -eq 1 ] && grep -q "creates a cgroup under .*run it as root" "$T/err2" \
	&& ok "record -- CMD names the fix" || bad "record -- CMD as nobody: exit $rc: $(cat "$T/err2")"
exit $fail
