#!/usr/bin/python3
# A live `cjd run` scraped for real: two agents watch a busy and an idle cgroup this test makes, one
# on plain HTTP with the shipped model (a fixture where it cannot start), one on HTTPS with basic
# auth and a task-clock-only fixture model that fires on busy CPU. promtool lints a text-format
# scrape, prometheus_client parses an OpenMetrics one strictly, a real Prometheus server on loopback
# scrapes both agents and answers a query for the busy cgroup's cost; then the agent's loop thread
# alone is stopped (ptrace) and /healthz must turn 503 with the reason while /metrics still answers,
# and 200 again once it runs.
import base64, ctypes, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, time
import urllib.error, urllib.parse, urllib.request

cjd = os.environ["CJD_BIN"]
src = os.environ["CJD_SOURCE_DIR"]
hashloop = os.environ.get("CJD_HASHLOOP") or os.path.join(os.path.dirname(cjd), "tests", "hashloop")
fails = 0
t_start = time.monotonic()


def stamp():
    """Seconds since the start: on a loaded machine every phase is slower, and this says which."""
    return "[%5.1f s]" % (time.monotonic() - t_start)


def ok(m):
    print("ok  ", stamp(), m, flush=True)


def bad(m):
    global fails
    fails += 1
    print("FAIL", stamp(), m, flush=True)


def note(m):
    print("note", stamp(), m, flush=True)


if os.geteuid() != 0:
    print("skip: cjd run counts per cgroup and this test makes cgroups: it needs root")
    sys.exit(77)
v2 = [l.split()[4] for l in open("/proc/self/mountinfo") if " - cgroup2 " in l]
if not v2:
    print("skip: no cgroup v2 hierarchy is mounted")
    sys.exit(77)
if not os.access(hashloop, os.X_OK):
    print("skip: the busy workload %s is not built" % hashloop)
    sys.exit(77)

fixture = src + "/tests/metrics/data/busy-cpu-fixture.json"  # task-clock only: no tracefs needed
tmp = tempfile.mkdtemp(prefix="cjd-metrics-e2e-%d-" % os.getpid())
name = "cjd-metrics-e2e-%d" % os.getpid()
base = os.path.join(v2[0], name)
busy_cg, idle_cg = "/%s/busy" % name, "/%s/idle" % name
procs, agents = [], {}


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for leaf in ("busy", "idle", ""):
        path = os.path.join(base, leaf)
        for _ in range(100):
            try:
                os.rmdir(path)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)
    shutil.rmtree(tmp, ignore_errors=True)


def start_in(cgroup_dir, argv):
    def enter():
        with open(os.path.join(cgroup_dir, "cgroup.procs"), "w") as f:
            f.write("0")
        os.setpriority(os.PRIO_PROCESS, 0, -15)  # a miner gets its CPU on a loaded CI host too
    p = subprocess.Popen(argv, preexec_fn=enter, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    return p


def http(url, accept=None, auth=None, ctx=None):
    """(status, content type, body) of a GET."""
    h = {}
    if accept:
        h["Accept"] = accept
    if auth:
        h["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=h), timeout=5, context=ctx) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def wait_for(pred, timeout, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def start_agent(label, extra_cfg, model):
    cfg = {
        "collector": {"interval": "200ms", "include": ["/%s/*" % name]},
        "publish": {"endpoints": ["ipc://%s/%s.sock" % (tmp, label)], "metrics_every": "1s",
                    "heartbeat_every": "1s"},
        "journal": {"path": "%s/%s.jsonl" % (tmp, label)},
        "metrics": dict({"listen": "127.0.0.1:0"}, **extra_cfg),
        # screening alone decides here (this test is about the metrics, not the evidence)
        "evidence": {"require": "none"},
    }
    if model:
        cfg["detector"] = {"model": model}
    path = "%s/%s.json" % (tmp, label)
    json.dump(cfg, open(path, "w"))
    err = open("%s/%s.err" % (tmp, label), "w+")
    p = subprocess.Popen([cjd, "run", "--config", path], stdout=subprocess.DEVNULL, stderr=err)
    procs.append(p)

    def banner():
        err.seek(0)
        m = re.search(r"^cjd: metrics: (\S+)/metrics,", err.read(), re.M)
        return m.group(1) if m else (p.poll() is not None and "exited")
    url = wait_for(banner, 20, 0.1)
    err.seek(0)
    log = err.read()
    if not url or url == "exited":
        return None, p, log
    return url, p, log


try:
    os.mkdir(base)
    os.mkdir(base + "/busy")
    os.mkdir(base + "/idle")
    start_in(base + "/busy", [hashloop])
    start_in(base + "/idle", ["/bin/sleep", "1000"])

    # TLS material and credentials for the second agent
    cert, key, pwfile = tmp + "/cert.pem", tmp + "/key.pem", tmp + "/password"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    fd = os.open(tmp + "/auth", os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"prom:e2e-s3cret\n")
    os.close(fd)
    open(pwfile, "w").write("e2e-s3cret")

    # Agent A: plain HTTP, the shipped software model (a fixture when it cannot start here)
    url_a, agent_a, log = start_agent("plain", {}, None)
    if not url_a and "needs events the source cannot supply" in log:
        note("the shipped model refused to start (%s); agent A runs the fixture model instead" %
             log.strip().splitlines()[-1])
        url_a, agent_a, log = start_agent("plain", {}, fixture)
    if not url_a:
        bad("agent A did not start:\n" + log)
        sys.exit(1)
    model_line = re.search(r"^cjd: model: (.*)$", log, re.M)
    ok("agent A serves %s/metrics (model %s)" % (url_a, model_line.group(1) if model_line else "?"))
    # Agent B: HTTPS and basic auth, the fixture model that fires on flat busy CPU
    url_b, agent_b, log_b = start_agent("tls", {"tls_cert": cert, "tls_key": key,
                                               "basic_auth_file": tmp + "/auth"},
                                        fixture)
    if not url_b:
        bad("agent B (TLS) did not start:\n" + log_b)
        sys.exit(1)
    ok("agent B serves %s/metrics with TLS and basic auth" % url_b)
    tls = ssl.create_default_context(cafile=cert)

    # ready once counters are open and the model loaded
    if wait_for(lambda: http(url_a + "/readyz")[0] == 200, 10):
        ok("/readyz: 200 %r" % http(url_a + "/readyz")[2])
    else:
        bad("/readyz never said ready: %r" % (http(url_a + "/readyz"),))
    st = http(url_a + "/healthz")
    (ok if st[0] == 200 and st[2] == "ok\n" else bad)("/healthz while running: %d %r" % (st[0], st[2]))

    # the busy cgroup's cost appears once the first metrics pass ran
    cost_re = re.compile(r'^cjd_cgroup_cost_usd_total\{cgroup="%s"\} (\S+)$' % re.escape(busy_cg), re.M)

    def costly():
        s, _, body = http(url_a + "/metrics")
        m = cost_re.search(body) if s == 200 else None
        return body if m and float(m.group(1)) > 0 else None
    text = wait_for(costly, 20)
    if not text:
        bad("no cost for %s in %s/metrics:\n%s" % (busy_cg, url_a, http(url_a + "/metrics")[2][-2000:]))
        sys.exit(1)
    s, ctype, text = http(url_a + "/metrics")
    (ok if ctype.startswith("text/plain; version=0.0.4") else bad)("plain scrape: Content-Type %s" % ctype)
    print("info scrape excerpt (Prometheus text format):")
    for line in text.splitlines():
        if busy_cg in line or line.startswith(("cjd_model_info", "cjd_samples_total", "cjd_cgroups_monitored",
                                               "cjd_perf_fds ", "cjd_fd_limit", "cjd_probe_")):
            print("    " + line)
    open(tmp + "/scrape.prom", "w").write(text)
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], stdin=open(tmp + "/scrape.prom"),
                           capture_output=True, text=True)
        (ok if r.returncode == 0 else bad)("promtool check metrics on the live scrape: exit %d %s" %
                                           (r.returncode, (r.stdout + r.stderr).strip()))
    else:
        print("skip promtool check: promtool is not installed (Debian package prometheus)")

    s, ctype, om = http(url_a + "/metrics", accept="application/openmetrics-text;version=1.0.0")
    open(tmp + "/scrape.om", "w").write(om)
    r = subprocess.run(["/usr/bin/python3", src + "/tests/metrics/om_parse.py", "openmetrics", tmp + "/scrape.om"],
                       capture_output=True, text=True)
    if r.returncode == 77:
        print(r.stdout.strip())
    else:
        n = len(r.stdout.splitlines())
        (ok if r.returncode == 0 and ctype.startswith("application/openmetrics-text; version=1.0.0") and
         om.endswith("# EOF\n") else bad)(
            "OpenMetrics scrape (%s) parses strictly: %d samples %s" % (ctype, n, r.stdout[-300:] if r.returncode else ""))

    # agent B: credentials required for /metrics, not for the probes
    s, _, _ = http(url_b + "/metrics", ctx=tls)
    (ok if s == 401 else bad)("HTTPS /metrics without credentials: %d" % s)
    s, _, _ = http(url_b + "/healthz", ctx=tls)
    (ok if s == 200 else bad)("HTTPS /healthz without credentials: %d" % s)
    fired = wait_for(lambda: re.search(r'^cjd_cgroup_alerts_total\{cgroup="%s",action="firing"\} [1-9]' % re.escape(busy_cg),
                                       http(url_b + "/metrics", auth="prom:e2e-s3cret", ctx=tls)[2], re.M), 20)
    body_b = http(url_b + "/metrics", auth="prom:e2e-s3cret", ctx=tls)[2]
    (ok if fired else bad)("agent B counts the busy cgroup's firing alert: %s" %
                           (fired.group(0) if fired else body_b[-1500:]))
    st_line = re.search(r'^cjd_cgroup_state\{cgroup="%s",cjd_cgroup_state="firing"\} (\d)$' % re.escape(busy_cg), body_b, re.M)
    (ok if st_line and st_line.group(1) == "1" else bad)("agent B: the busy cgroup's state is firing")
    idle_alerts = re.search(r'^cjd_cgroup_alerts_total\{cgroup="%s",action="firing"\} 0$' % re.escape(idle_cg), body_b, re.M)
    (ok if idle_alerts else bad)("agent B: the idle cgroup has no firing alert")

    # a real Prometheus server scrapes both
    prom = shutil.which("prometheus")
    if not prom:
        print("skip Prometheus server: /usr/bin/prometheus is not installed (Debian package prometheus)")
    else:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        pport = s.getsockname()[1]
        s.close()
        host_a = urllib.parse.urlparse(url_a).netloc
        host_b = urllib.parse.urlparse(url_b).netloc
        open(tmp + "/prometheus.yml", "w").write(f"""global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cjd
    static_configs:
      - targets: ['{host_a}']
  - job_name: cjd-tls
    scheme: https
    tls_config:
      ca_file: {cert}
    basic_auth:
      username: prom
      password_file: {pwfile}
    static_configs:
      - targets: ['{host_b}']
""")
        plog = open(tmp + "/prometheus.log", "w+")
        t0 = time.monotonic()
        pp = subprocess.Popen([prom, "--config.file=" + tmp + "/prometheus.yml",
                               "--storage.tsdb.path=" + tmp + "/prom-data",
                               "--web.listen-address=127.0.0.1:%d" % pport, "--log.level=warn"],
                              stdout=plog, stderr=plog)
        procs.append(pp)
        api = "http://127.0.0.1:%d/api/v1/" % pport

        def query(q):
            try:
                s, _, body = http(api + "query?" + urllib.parse.urlencode({"query": q}))
                return json.loads(body) if s == 200 else None
            except (OSError, ValueError):
                return None
        q = 'cjd_cgroup_cost_usd_total{job="cjd",cgroup="%s"}' % busy_cg

        def answered():
            r = query(q)
            res = r and r["data"]["result"]
            return r if res and float(res[0]["value"][1]) > 0 else None
        res = wait_for(answered, 30, 0.5)
        if res:
            ok("Prometheus %s answered %s after %.1f s: %s" % (
                subprocess.run([prom, "--version"], capture_output=True, text=True).stdout.split("\n")[0],
                q, time.monotonic() - t0, json.dumps(res["data"]["result"])))
        else:
            plog.seek(0)
            bad("Prometheus never answered %s: %s\n%s" % (q, query(q), plog.read()[-2000:]))
        # both targets healthy, and scraped as OpenMetrics (its metadata knows info and stateset).
        # Waited for: on a loaded machine one scrape can miss its deadline (a TLS handshake took
        # over a second at load average 11-20); a target that never succeeds still fails here.
        seen = {}

        def both_up():
            up = query('up{job=~"cjd|cjd-tls"}')
            seen["up"] = {r["metric"]["job"]: r["value"][1] for r in (up or {"data": {"result": []}})["data"]["result"]}
            try:
                s, _, body = http(api + "targets")
                seen["errs"] = [(t["labels"]["job"], t["lastError"]) for t in json.loads(body)["data"]["activeTargets"]]
            except (OSError, ValueError, KeyError):
                seen["errs"] = [("?", "no answer from /api/v1/targets")]
            return seen["up"] == {"cjd": "1", "cjd-tls": "1"} and all(not e for _, e in seen["errs"])
        t1 = time.monotonic()
        healthy = wait_for(both_up, 30, 0.5)
        (ok if healthy else bad)("up: %s (after %.1f s)" % (seen["up"], time.monotonic() - t1))
        (ok if healthy else bad)("targets' last errors: %s" % seen["errs"])
        s, _, body = http(api + "targets/metadata?" + urllib.parse.urlencode(
            {"match_target": '{job="cjd-tls"}', "metric": "cjd_cgroup_state"}))
        types = {m["type"] for m in json.loads(body)["data"]}
        s, _, body = http(api + "targets/metadata?" + urllib.parse.urlencode(
            {"match_target": '{job="cjd"}', "metric": "cjd_build"}))
        types |= {m["type"] for m in json.loads(body)["data"]}
        (ok if types == {"stateset", "info"} else bad)("Prometheus parsed OpenMetrics types: %s" % sorted(types))
        fq = 'cjd_cgroup_state{job="cjd-tls",cgroup="%s",cjd_cgroup_state="firing"}' % busy_cg

        def firing():
            r = query(fq)
            seen["firing"] = r and r["data"]["result"] and r["data"]["result"][0]["value"][1]
            return seen["firing"] == "1"
        wait_for(firing, 15, 0.5)
        v = seen["firing"]
        (ok if v == "1" else bad)("Prometheus: the busy cgroup is firing on agent B: %s" % v)
        pp.terminate()
        pp.wait(10)

    # /healthz when the collector stalls: stop only the agent's loop thread (its main thread;
    # the HTTP server runs on its own thread), as a wedged loop would be
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH, WALL = 0x4206, 0x4207, 17, 0x40000000
    tid = agent_a.pid
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0:
        print("skip stall: ptrace(PTRACE_SEIZE) of the agent: %s" % os.strerror(ctypes.get_errno()))
    else:
        libc.ptrace(PTRACE_INTERRUPT, tid, None, None)
        os.waitpid(tid, WALL)
        t0 = time.monotonic()
        got = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(http(url_a + "/healthz")), 10, 0.1)
        took = time.monotonic() - t0
        (ok if got and "unhealthy: the collector took no sample for" in got[2] else bad)(
            "loop thread stopped: /healthz %s after %.1f s: %r" % (got and got[0], took, got and got[2]))
        s, _, body = http(url_a + "/metrics")
        (ok if s == 200 and cost_re.search(body) else bad)(
            "during the stall /metrics still answers %d from the last snapshot" % s)
        libc.ptrace(PTRACE_DETACH, tid, None, None)
        t0 = time.monotonic()
        back = wait_for(lambda: http(url_a + "/healthz")[0] == 200, 10, 0.1)
        (ok if back else bad)("loop thread resumed: /healthz 200 again after %.1f s" % (time.monotonic() - t0))

    for label, p in (("A", agent_a), ("B", agent_b)):
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        (ok if rc == 0 else bad)("agent %s stopped on SIGTERM: exit %s" % (label, rc))
    print("info test took %.1f s (load average %s)" % (time.monotonic() - t_start,
                                                      open("/proc/loadavg").read().split()[0]))
finally:
    cleanup()
sys.exit(1 if fails else 0)
