#!/bin/sh
# The container image, started as packaging/k8s/daemonset.yaml starts it, under the real Docker
# engine: packaging/build-image imports this build as an image (no registry), the DaemonSet's
# args, capabilities, volumes, hostPID, read-only root and memory limit become `docker run`
# options (read from the file, so the test follows it), and the container must start, print its
# banner, publish a heartbeat that `cjd sub` on the host receives over the mapped port, answer
# the DaemonSet's liveness and readiness probes and a scrape on its metrics port, stay up, and stop
# cleanly on `docker stop`.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
. "$CJD_SOURCE_DIR/tests/lib.sh"
. "$CJD_SOURCE_DIR/tests/docker_lib.sh"

cjd_docker_up
name="cjd-deploy-image-$$"
tag="$name:test"
trap 'docker rm -f "$name" >/dev/null 2>&1; docker rmi "$tag" >/dev/null 2>&1; rm -rf "$T"' EXIT

"$CJD_SOURCE_DIR/packaging/build-image" -t "$tag" -B "$(dirname "$CJD_BIN")" --no-build ||
	{ bad "packaging/build-image"; exit 1; }
ok "packaging/build-image made $tag"

# The DaemonSet's container as docker run options, one per line; then a line "--" and its args.
# Writable hostPath volumes other than /sys/fs/cgroup get a scratch directory of this test (the
# host's /var/lib/cjd is left alone), read-only ones the host's path where it exists (the
# runtimes' records; a scratch directory otherwise, as DirectoryOrCreate would make); emptyDir
# becomes a tmpfs; the port is mapped to a free port on
# 127.0.0.1. Kubernetes on a cgroup v1 node shares the host's cgroup namespace: --cgroupns=host.
/usr/bin/python3 - "$CJD_SOURCE_DIR/packaging/k8s/daemonset.yaml" "$T/hostpath" >"$T/opts" <<'PY' || { bad "reading the DaemonSet"; exit 1; }
import os, re, socket, sys, yaml
ds = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "DaemonSet"][0]
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
sc = c.get("securityContext", {})
out = ["--cgroupns=host"]
if pod.get("hostPID"):
    out.append("--pid=host")
if sc.get("privileged"):
    out.append("--privileged")
if sc.get("allowPrivilegeEscalation") is False:
    out.append("--security-opt=no-new-privileges")
if sc.get("readOnlyRootFilesystem"):
    out.append("--read-only")
caps = sc.get("capabilities", {})
out += ["--cap-drop=" + x for x in caps.get("drop", [])]
out += ["--cap-add=" + x for x in caps.get("add", [])]
vols = {v["name"]: v for v in pod.get("volumes", [])}
for m in c.get("volumeMounts", []):
    v = vols[m["name"]]
    ro = ":ro" if m.get("readOnly") else ""
    if "hostPath" in v:
        src = v["hostPath"]["path"]
        if src != "/sys/fs/cgroup" and not (m.get("readOnly") and os.path.isdir(src)):
            src = os.path.join(sys.argv[2], m["name"])
            os.makedirs(src, exist_ok=True)
        out.append("--volume=%s:%s%s" % (src, m["mountPath"], ro))
    elif "emptyDir" in v:
        out.append("--tmpfs=" + m["mountPath"])
    else:
        sys.exit("volume %s: only hostPath and emptyDir are translated" % m["name"])
for p in c.get("ports", []):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out.append("--publish=127.0.0.1:%d:%d" % (port, p["containerPort"]))
    print("#port", p["name"], port)
# the kubelet's probes, to call through the mapped ports: "#probe KIND PORTNAME PATH"
for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
    g = c.get(kind, {}).get("httpGet")
    if g:
        print("#probe", kind, g["port"], g["path"])
mem = c.get("resources", {}).get("limits", {}).get("memory")
if mem:
    n, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", mem).groups()
    out.append("--memory=%d" % (int(n) * {None: 1, "Ki": 1024, "Mi": 1 << 20, "Gi": 1 << 30}[unit]))
for e in c.get("env", []):
    out.append("--env=%s=%s" % (e["name"], e["value"]))
print("\n".join(out))
print("--")
print("\n".join(c.get("args", [])))
PY
port=$(sed -n 's/^#port alerts //p' "$T/opts")
mport=$(sed -n 's/^#port metrics //p' "$T/opts")
grep '^#probe ' "$T/opts" | cut -d' ' -f2- >"$T/probes"
sed -i '/^#port /d; /^#probe /d' "$T/opts"
# Docker 20.10 (Debian 12's docker.io) knows no CAP_PERFMON: the runtime then grants only
# SYS_ADMIN, which the kernel also accepts for perf (cjd keeps whichever it holds).
if ! docker create --cap-add PERFMON "$tag" >"$T/probe" 2>&1; then
	sed -i '/^--cap-add=PERFMON$/d' "$T/opts"
	echo "note this Docker engine knows no PERFMON capability ($(docker version -f '{{.Server.Version}}')): running with SYS_ADMIN for perf"
else
	docker rm "$(cat "$T/probe")" >/dev/null
fi
# An ASan build (scripts/test --sanitize) cannot run LeakSanitizer without ptrace: not granted.
if ldd "$CJD_BIN" | grep -q libasan; then
	sed -i '1i --env=ASAN_OPTIONS=detect_leaks=0' "$T/opts"
fi
echo "docker run $(sed '/^--$/,$d' "$T/opts" | tr '\n' ' ')$tag $(sed '1,/^--$/d' "$T/opts" | tr '\n' ' ')"

# start NAME [EXTRA_ARGS...]: runs the container with the DaemonSet's options and args (+ extra)
start() {
	extra_vol=""
	[ $# -gt 0 ] && extra_vol="--volume=$CJD_SOURCE_DIR/tests/packaging/data/no-syscalls-fixture.json:/deploy-test-model.json:ro"
	# shellcheck disable=SC2046,SC2086
	(IFS='
'
	 exec docker run -d --name "$name" $extra_vol $(sed '/^--$/,$d' "$T/opts") "$tag" \
		$(sed '1,/^--$/d' "$T/opts") "$@") >/dev/null
}
# running: true while the container runs; its state otherwise
running() { docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null; }

start || { bad "docker run"; exit 1; }
sleep 3
fixture=0
if [ "$(running)" != true ]; then
	docker logs "$name" >"$T/log" 2>&1
	if grep -q "needs events the source cannot supply: syscalls" "$T/log"; then
		# Until cjd ships a model that needs no syscalls (issue 12 part 1), the shipped software
		# model refuses a container without tracefs. Start the same way with a fixture model so
		# the rest of the image is still tested, and say so.
		echo "note the shipped model refused to start without the syscalls event (no tracefs in the container):"
		sed 's/^/    /' "$T/log"
		echo "note starting again with the same options plus --model tests/packaging/data/no-syscalls-fixture.json (not a detector)"
		docker rm -f "$name" >/dev/null
		fixture=1
		start --model /deploy-test-model.json || { bad "docker run (fixture model)"; exit 1; }
		sleep 3
	fi
fi
if [ "$(running)" = true ]; then ok "the container runs"; else
	bad "the container exited: $(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name")"
	docker logs "$name" 2>&1 | sed 's/^/    /'
	exit 1
fi

docker logs "$name" >"$T/log" 2>&1
grep -q '^cjd: cjd [0-9.]*: .* mode (' "$T/log" && ok "banner: $(grep -m1 '^cjd: cjd ' "$T/log" | cut -c1-100)…" ||
	bad "no banner"
model=$(sed -n 's/^cjd: model: //p' "$T/log")
echo "info the agent chose model: ${model:-?}"
[ $fixture -eq 1 ] && echo "info (the fixture, because the shipped model needs syscalls; see above)"
# The DaemonSet grants what the evidence probes need; the agent keeps it and says what each can do.
grep -q '^cjd: privileges: kept only the perf capability.*CAP_SYS_PTRACE' "$T/log" &&
	ok "$(grep -m1 '^cjd: privileges:' "$T/log" | cut -c6-160)" ||
	bad "the agent did not keep the probes' capabilities: $(grep '^cjd: privileges:' "$T/log")"
if grep -q '^cjd: evidence: fpstate available' "$T/log"; then
	ok "evidence probes in the container: $(grep '^cjd: \(warning: \)\{0,1\}evidence: [a-z]* \(un\)\{0,1\}available' "$T/log" | sed 's/^cjd: \(warning: \)\{0,1\}evidence: //; s/:.*//' | tr '\n' ';')"
else
	bad "fpstate unavailable in the container: $(grep 'evidence: fpstate' "$T/log")"
fi
n=$(grep -c '^cjd: publishing alerts on tcp://0.0.0.0:5556$' "$T/log")
[ "$n" -eq 1 ] && ok "binds tcp://0.0.0.0:5556 once" || bad "publishing lines for tcp://0.0.0.0:5556: $n"
grep -q 'Address already in use' "$T/log" && bad "an endpoint was bound twice"
[ -e "$T/hostpath/state/alerts.jsonl" ] && ok "the journal is on the state volume" ||
	bad "no journal in the state volume ($(ls "$T/hostpath/state" 2>&1))"

# A heartbeat comes every 5 s: the host subscribes through the mapped port.
if timeout 20 "$CJD_BIN" sub "tcp://127.0.0.1:$port" --topic heartbeat --count 1 >"$T/hb" 2>"$T/sub.err" &&
	grep -q '"schema":"cjd.heartbeat/1"' "$T/hb"; then
	ok "cjd sub on the host received a heartbeat over 127.0.0.1:$port ($(grep -o '"cgroups":{[^}]*}' "$T/hb"))"
else
	bad "no heartbeat over 127.0.0.1:$port: $(cat "$T/hb" "$T/sub.err")"
fi

# The agent names its own container in the metrics of its cgroup (every 10 s), from Docker's
# record mounted read-only as the DaemonSet mounts it.
if [ -d /var/lib/docker/containers ]; then
	: >"$T/metrics"
	timeout 25 "$CJD_BIN" sub "tcp://127.0.0.1:$port" --topic metrics --count 50 >"$T/metrics" 2>/dev/null &
	subpid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q "\"name\":\"$name\"" "$T/metrics"; do
		sleep 0.5
		i=$((i + 1))
	done
	kill $subpid 2>/dev/null
	wait $subpid 2>/dev/null
	if grep -q "\"name\":\"$name\"" "$T/metrics"; then
		ok "metrics name the agent's own container: $(grep -o "\"container\":{[^}]*\"name\":\"$name\"[^}]*}" "$T/metrics" | head -n 1)"
	else
		bad "no metrics message names container $name ($(wc -l <"$T/metrics") messages)"
	fi
fi

# The DaemonSet's probes, as the kubelet calls them (GET on the named port), and a scrape that
# names the agent's own container, through the ports mapped as the DaemonSet declares them.
# (a reader that stops early, grep -q or head, ends it quietly as it would any Unix tool)
get() { /usr/bin/python3 -c "
import signal, sys, urllib.request, urllib.error
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); sys.stdout.write(e.read().decode())
except OSError as e:
    print(0, e)" "$1"; }
while read -r kind pname path; do
	[ "$pname" = metrics ] || { bad "$kind uses port $pname, not the metrics port"; continue; }
	i=0
	while [ $i -lt 20 ] && [ "$(get "http://127.0.0.1:$mport$path" | head -n 1)" != 200 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	out=$(get "http://127.0.0.1:$mport$path")
	[ "$(echo "$out" | head -n 1)" = 200 ] && ok "$kind: GET $path on the metrics port: $(echo "$out" | sed -n 2p)" ||
		bad "$kind: GET $path: $out"
done <"$T/probes"
[ -s "$T/probes" ] || bad "the DaemonSet declares no HTTP probes"
if [ -d /var/lib/docker/containers ]; then
	i=0
	while [ $i -lt 30 ] && ! get "http://127.0.0.1:$mport/metrics" | grep -q "container=\"$name\""; do
		sleep 0.5
		i=$((i + 1))
	done
	line=$(get "http://127.0.0.1:$mport/metrics" | grep "^cjd_cgroup_cpu_seconds_total{.*container=\"$name\"" | head -n 1)
	[ -n "$line" ] && ok "/metrics names the agent's own container: $line" ||
		bad "no series of /metrics names container $name"
fi

sleep 2
if [ "$(running)" = true ] && [ "$(docker inspect -f '{{.RestartCount}}' "$name")" = 0 ]; then
	ok "still running after $(($(date +%s) - $(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$name")" +%s))) s"
else
	bad "the container did not stay up"
fi

t0=$(date +%s)
docker stop -t 20 "$name" >/dev/null
t1=$(date +%s)
docker logs "$name" >"$T/log" 2>&1
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
if [ "$code" = 0 ] && grep -q 'Terminated: stopping' "$T/log" && [ $((t1 - t0)) -lt 20 ]; then
	ok "docker stop: SIGTERM, exit 0 in $((t1 - t0)) s"
else
	bad "docker stop: exit $code after $((t1 - t0)) s"
	tail -n 5 "$T/log" | sed 's/^/    /'
fi
grep -E '^cjd: (error|warning):' "$T/log" | grep -v 'syscalls is left out' | sed 's/^/note log: /'
exit $fail
