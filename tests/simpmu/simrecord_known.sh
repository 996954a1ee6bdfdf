#!/bin/sh
# cjd simrecord on programs whose counts are known: an inline-asm loop of N iterations must
# add exactly 2N instructions and N branches; a sleep must show in dt; failures are reported.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind is not installed (Debian package 'valgrind')"; exit 77; }
command -v cc >/dev/null 2>&1 || { echo "SKIP: no C compiler"; exit 77; }
. "$(dirname "$0")/../lib.sh"

# Each iteration is exactly 2 instructions and 1 conditional branch: `dec; jnz` on x86,
# `subs; b.ne` on arm64. Another architecture has no such loop here: skip with the reason.
cat > "$T/loop.c" <<'C'
#include <stdlib.h>
#include <time.h>
#if !defined(__x86_64__) && !defined(__i386__) && !defined(__aarch64__)
#error "no counted loop for this architecture"
#endif
int main(int argc, char **argv)
{
	unsigned long n = strtoul(argv[1], NULL, 10);
#if defined(__aarch64__)
	if (n)
		__asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
#else
	if (n)
		__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
#endif
	if (argc > 2) {
		struct timespec ts = {0, atol(argv[2]) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return argc > 3 ? atoi(argv[3]) : 0;
}
C
case $(uname -m) in
x86_64|i?86|aarch64) ;;
*) echo "SKIP: no counted inline-asm loop for $(uname -m) (only x86 and arm64)"; exit 77 ;;
esac
cc -O1 -o "$T/loop" "$T/loop.c" || { echo "FAIL cannot compile the test program"; exit 1; }

total() { # total FILE EVENT
	"$CJD_BIN" trace stats --json "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}
N=20000000
"$CJD_BIN" simrecord -i 5M --label benign/known -o "$T/n0.cjdt" -- "$T/loop" 00000000 2>"$T/e0" \
	|| { cat "$T/e0"; bad "simrecord of the empty loop"; }
"$CJD_BIN" simrecord -i 5M --label benign/known -o "$T/n.cjdt.gz" -- "$T/loop" $N 2>"$T/e1" \
	|| { cat "$T/e1"; bad "simrecord of the $N-iteration loop"; }
"$CJD_BIN" trace validate -q "$T/n0.cjdt" "$T/n.cjdt.gz" || bad "traces do not validate"

# Both runs execute the same code but for the loop (strtoul parses 8 digits in both:
# "00000000" and "20000000"), so the difference is 2N instructions and N branches. The
# tolerance of 10 instructions and 5 branches (0.25 ppm) leaves room for the one branch
# that goes the other way and nothing else: the simulation is exact, not sampled.
i0=$(total "$T/n0.cjdt" instructions); i1=$(total "$T/n.cjdt.gz" instructions)
b0=$(total "$T/n0.cjdt" branches); b1=$(total "$T/n.cjdt.gz" branches)
di=$((i1 - i0 - 2 * N)); db=$((b1 - b0 - N))
[ "${di#-}" -le 10 ] && ok "instructions: $i1 - $i0 = 2N + $di" || bad "instructions: $i1 - $i0 is not 2N=$((2 * N)) (off by $di)"
[ "${db#-}" -le 5 ] && ok "branches: $b1 - $b0 = N + $db" || bad "branches: $b1 - $b0 is not N=$N (off by $db)"
m0=$(total "$T/n0.cjdt" branch-misses); m1=$(total "$T/n.cjdt.gz" branch-misses)
[ $((m1 - m0)) -lt 100 ] && ok "a counted loop is predicted ($m1 - $m0 misses)" || bad "branch-misses $m1 - $m0 for a counted loop"
# 40M instructions at 5M per sample: 8 samples or a little fewer (a sample closes at
# the first dump past 5M); every sample has the simulated events and the label.
s1=$("$CJD_BIN" trace stats --json "$T/n.cjdt.gz" | grep -o '"samples":[0-9]*' | cut -d: -f2)
[ "$s1" -ge 5 ] && [ "$s1" -le 9 ] && ok "$s1 samples of ~5M instructions" || bad "$s1 samples for 40M instructions at -i 5M"
hdr=$(gzip -dc "$T/n.cjdt.gz" | head -1)
for want in '"source":"simpmu"' '"cycles","instructions","branches","branch-misses","cache-references","cache-misses","L1-dcache-load-misses","LLC-load-misses","task-clock"' '"workload":"known"' '"LL":{"size":2097152,"assoc":16,"line":64}' '"cpi_base":0.5'; do
	case "$hdr" in *"$want"*) ok "header has $want" ;; *) bad "header lacks $want: $hdr" ;; esac
done
[ "$(gzip -dc "$T/n.cjdt.gz" | grep -c '"label":"benign/known"')" -eq "$s1" ] && ok "every sample labelled" || bad "labels missing"

# A 300 ms sleep is real time the program spends blocked: dt covers it, task-clock does not.
"$CJD_BIN" simrecord -o "$T/sleep.cjdt" -- "$T/loop" 1 300 2>"$T/e2" || { cat "$T/e2"; bad "simrecord of the sleeper"; }
dur=$("$CJD_BIN" trace stats --json "$T/sleep.cjdt" | grep -o '"duration_s":[0-9.]*' | cut -d: -f2)
tc=$(total "$T/sleep.cjdt" task-clock)
awk -v d="$dur" -v t="$tc" 'BEGIN { exit !(d - t / 1e9 >= 0.29 && d - t / 1e9 < 1.0) }' \
	&& ok "sleep: duration $dur s, task-clock $tc ns" || bad "sleep: duration $dur s, task-clock $tc ns"

# A failing program: exit 1 naming its status, the samples kept; --allow-fail accepts it.
"$CJD_BIN" simrecord -o "$T/fail.cjdt" -- "$T/loop" 1000 0 3 2>"$T/e3"
rc=$?
[ $rc -eq 1 ] && grep -q "exited with status 3" "$T/e3" && ok "failing program: exit 1, status reported" || { cat "$T/e3"; bad "failing program: exit $rc"; }
"$CJD_BIN" trace validate -q "$T/fail.cjdt" && ok "failing program: trace kept" || bad "failing program: trace not kept"
"$CJD_BIN" simrecord --allow-fail -o "$T/fail2.cjdt" -- "$T/loop" 1000 0 3 2>/dev/null && ok "--allow-fail" || bad "--allow-fail still fails"

# Clear errors for a missing command and for bad usage.
"$CJD_BIN" simrecord -o "$T/x.cjdt" -- /nonexistent/prog 2>"$T/e4"
rc=$?
[ $rc -eq 1 ] && grep -q "command not found" "$T/e4" && ok "missing command: exit 1" || { cat "$T/e4"; bad "missing command: exit $rc"; }
PATH=/nonexistent "$CJD_BIN" simrecord -o "$T/x.cjdt" -- "$T/loop" 1 2>"$T/e5"
rc=$?
[ $rc -eq 1 ] && grep -q "install the Debian package 'valgrind'" "$T/e5" && ok "valgrind missing: exit 1, package named" || { cat "$T/e5"; bad "valgrind missing: exit $rc"; }
"$CJD_BIN" simrecord --instr-atstart=no -o "$T/x.cjdt" -- "$T/loop" 1 2>"$T/e6"
rc=$?
[ $rc -eq 1 ] && grep -q "CALLGRIND_START_INSTRUMENTATION" "$T/e6" && ok "nothing simulated: exit 1 with a hint" || { cat "$T/e6"; bad "nothing simulated: exit $rc"; }
"$CJD_BIN" simrecord -o "$T/x.cjdt" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no command: exit 2" || bad "no command must exit 2"
"$CJD_BIN" simrecord --label nonsense -o "$T/x.cjdt" -- true >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad label: exit 2" || bad "bad label must exit 2"
exit $fail
