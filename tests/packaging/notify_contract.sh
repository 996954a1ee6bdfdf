#!/bin/sh
# The unit's contract with the agent, without systemd (also under ASan, and where Docker or the
# Debian archive is missing and systemd_unit.sh skips): the ExecStart line of
# packaging/cjd.service is run as written (this build's binary, $CJD_OPTS from the test), with
# NOTIFY_SOCKET on an abstract socket this test binds, WATCHDOG_USEC=1s and JOURNAL_STREAM naming
# stderr, as systemd sets them. Checks READY=1 with STATUS=, WATCHDOG=1 about every 0.5 s,
# RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 and exit 0 on SIGTERM, <N> prefixes on
# stderr, and that a stopped agent sends no ping. The model is a fixture (the contract, not
# detection, is under test; it needs no tracefs).
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
. "$CJD_SOURCE_DIR/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: cjd run needs root (or CAP_PERFMON) to count per cgroup"; exit 77; }

exec_start=$(sed -n 's/^ExecStart=//p' "$CJD_SOURCE_DIR/packaging/cjd.service")
/usr/bin/python3 - "$CJD_BIN" "$exec_start" "$CJD_SOURCE_DIR/tests/packaging/data/no-syscalls-fixture.json" "$T" <<'PY'
import os, re, shlex, signal, socket, subprocess, sys, time

cjd, exec_start, model, tmp = sys.argv[1:5]
fails = 0
def ok(m): print("ok  ", m)
def bad(m):
    global fails
    fails += 1
    print("FAIL", m)

# ExecStart as systemd runs it: the installed path becomes this build's binary; an unquoted
# $CJD_OPTS splits into words (here: the test's own options).
opts = "--interval 200ms --cgroup /cjd-notify-test-none/* --model %s --publish tcp://127.0.0.1:0 --metrics-listen 127.0.0.1:0 --journal %s/alerts.jsonl" % (model, tmp)
words = []
for w in shlex.split(exec_start):
    if w == "$CJD_OPTS":
        words += opts.split()
    else:
        words.append(w)
words[0] = cjd
print("info ExecStart as run:", " ".join(words))

name = "cjd-notify-test-%d" % os.getpid()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
srv.bind("\0" + name)
err_path = os.path.join(tmp, "stderr")
err = open(err_path, "wb")
st = os.fstat(err.fileno())
env = dict(os.environ, NOTIFY_SOCKET="@" + name, WATCHDOG_USEC="1000000",
           JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
env.pop("WATCHDOG_PID", None)
p = subprocess.Popen(words, stderr=err, stdout=subprocess.DEVNULL, env=env)

msgs = []  # (monotonic time, datagram)
def recv_until(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        srv.settimeout(max(0.01, end - time.monotonic()))
        try:
            d = srv.recv(8192).decode()
        except socket.timeout:
            break
        msgs.append((time.monotonic(), d))
        if pred(d):
            return d
    return None

ready = recv_until(lambda d: "READY=1" in d.split("\n"), 15)
if ready and re.search(r"^STATUS=\w+ mode, \d+ cgroups .*model deploy-test-fixture", ready, re.M):
    ok("READY=1 with %s" % [l for l in ready.split("\n") if l.startswith("STATUS=")][0])
else:
    bad("no READY=1 with STATUS= (got %r; exit %s)" % (msgs, p.poll()))

t0 = time.monotonic()
recv_until(lambda d: False, 3.2)
pings = [t for t, d in msgs if d == "WATCHDOG=1" and t >= t0]
gaps = [b - a for a, b in zip(pings, pings[1:])]
if len(pings) >= 4 and gaps and max(gaps) < 1.0:
    ok("WATCHDOG=1 %d times in 3.2 s (largest gap %.2f s; WATCHDOG_USEC/2 = 0.5 s)" % (len(pings), max(gaps)))
else:
    bad("watchdog pings at %s" % [round(t - t0, 2) for t in pings])

p.send_signal(signal.SIGHUP)
got = recv_until(lambda d: d.startswith("READY=1"), 5)
seq = [d.split("\n")[0] for t, d in msgs if d != "WATCHDOG=1" and not d.startswith("STATUS=")]
if got and "RELOADING=1" in seq and seq.index("RELOADING=1") < len(seq) - 1 and any(
        d.startswith("RELOADING=1\nMONOTONIC_USEC=") for t, d in msgs):
    ok("SIGHUP: RELOADING=1 (with MONOTONIC_USEC) then READY=1")
else:
    bad("SIGHUP: %r" % seq)

# A stopped process sends nothing: systemd's watchdog would fire.
p.send_signal(signal.SIGSTOP)
time.sleep(0.2)
n = len(msgs)
recv_until(lambda d: False, 1.5)
if len(msgs) == n:
    ok("stopped (SIGSTOP): no ping for 1.5 s")
else:
    bad("pings while stopped: %r" % msgs[n:])
p.send_signal(signal.SIGCONT)

p.send_signal(signal.SIGTERM)
stopping = recv_until(lambda d: d.startswith("STOPPING=1"), 5)
try:
    rc = p.wait(10)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "timeout"
if stopping and rc == 0:
    ok("SIGTERM: STOPPING=1, exit 0")
else:
    bad("SIGTERM: STOPPING=%r exit %s" % (stopping, rc))

err.close()
lines = open(err_path, errors="replace").read().splitlines()
unprefixed = [l for l in lines if not re.match(r"<[3467]>", l)]
if lines and not unprefixed and any(l.startswith("<6>cjd: events: ") for l in lines):
    ok("stderr is the 'journal': every line has a priority prefix (%d lines)" % len(lines))
else:
    bad("lines without a prefix: %r" % unprefixed[:5])
sys.exit(1 if fails else 0)
PY
