#!/bin/sh
# cjd simrecord of a program that starts a daemon (as gpg starts gpg-agent): a child in a
# session of its own that ignores SIGTERM. The recording must end (SIGTERM, then SIGKILL
# after --kill-after), say so, leave no process behind and write a complete trace.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind is not installed (Debian package 'valgrind')"; exit 77; }
command -v cc >/dev/null 2>&1 || { echo "SKIP: no C compiler"; exit 77; }
. "$(dirname "$0")/../lib.sh"

tag="cjd-simrecord-daemon-$$"
# The daemon: a session of its own (out of the program's process group), SIGTERM
# ignored, runs until killed. Its file name holds $tag, to find it afterwards.
cat > "$T/daemon.c" <<'C'
#include <signal.h>
#include <unistd.h>
int main(void)
{
	signal(SIGTERM, SIG_IGN);
	setsid();
	for (;;)
		pause();
}
C
cc -O1 -o "$T/$tag" "$T/daemon.c" || { echo "FAIL cannot compile the daemon"; exit 1; }
start=$(date +%s)
timeout 120 "$CJD_BIN" simrecord -i 1M --kill-after 1s -o "$T/d.cjdt" -- \
	sh -c "'$T/$tag' </dev/null >/dev/null 2>&1 & exit 0" 2>"$T/err"
rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -eq 124 ]; then
	bad "simrecord still waited after 120 s (the daemon was never stopped)"
elif [ $rc -ne 0 ]; then
	bad "simrecord exited $rc: $(cat "$T/err")"
else
	ok "simrecord ended by itself ($took s)"
fi
grep -q "processes it started still run; sending SIGTERM" "$T/err" && ok "says it sends SIGTERM" \
	|| bad "no SIGTERM line: $(cat "$T/err")"
grep -q "still running 1s after SIGTERM (the program and what it started); sent SIGKILL" "$T/err" \
	&& ok "says it escalated to SIGKILL" || bad "no SIGKILL line: $(cat "$T/err")"
grep -q "the trace is complete, but processes that needed SIGKILL" "$T/err" \
	&& ok "says the trace is complete" || bad "no completion line"
"$CJD_BIN" trace validate -q "$T/d.cjdt" && ok "the trace validates" || bad "d.cjdt does not validate"
sleep 0.2
if pgrep -f "$tag" >/dev/null; then
	bad "the daemon survived: $(pgrep -af "$tag")"
	pkill -KILL -f "$tag"
else
	ok "no process left behind"
fi
exit $fail
