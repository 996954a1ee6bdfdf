#!/bin/sh
# Deployment files, statically: the systemd unit verifies (systemd-analyze) and keeps the contract
# the agent implements, the DaemonSet has what cjd needs and with the image's entrypoint names
# each endpoint once, and `cmake --install` lays out the binary, unit, docs, models and man page.
# image.sh and systemd_unit.sh start them.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build=$(dirname "$CJD_BIN")

if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/bin/cjd|$CJD_BIN|" "$CJD_SOURCE_DIR/packaging/cjd.service" > "$tmp/cjd.service"
	# man:cjd(1) may not be installed here; everything else must verify cleanly
	out=$(cd "$tmp" && systemd-analyze verify ./cjd.service 2>&1 | grep -v "man cjd(1)")
	if [ -n "$out" ]; then echo "FAIL systemd-analyze verify:"; echo "$out"; fail=1; else echo "ok   unit verifies"; fi
else
	echo "skip unit verification: systemd-analyze is not installed"
fi

/usr/bin/python3 - "$CJD_SOURCE_DIR/packaging/k8s/daemonset.yaml" <<'PY' || fail=1
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = [d for d in docs if d.get("kind") == "DaemonSet"]
assert len(ds) == 1, "one DaemonSet expected"
spec = ds[0]["spec"]["template"]["spec"]
assert spec.get("hostPID") is True, "hostPID must be true"
c = spec["containers"][0]
caps = c["securityContext"]["capabilities"]["add"]
assert "PERFMON" in caps and "SYS_ADMIN" in caps, caps
mounts = {m["name"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
cg = [n for n, v in vols.items() if v.get("hostPath", {}).get("path") == "/sys/fs/cgroup"]
assert cg and mounts[cg[0]]["mountPath"] == "/sys/fs/cgroup", "cgroupfs must be mounted"
assert mounts[cg[0]].get("readOnly") is False, "cgroupfs must be read-write for actions"
print("ok   daemonset")
PY

grep -q '^FROM debian' "$CJD_SOURCE_DIR/packaging/Dockerfile" &&
	grep -q 'cmake --install' "$CJD_SOURCE_DIR/packaging/Dockerfile" || { echo "FAIL Dockerfile"; fail=1; }

# The unit starts without a configuration file (a --config would make it required) and keeps
# the notify contract the agent implements (daemon/agent_notify.c).
unit="$CJD_SOURCE_DIR/packaging/cjd.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
case "$exec_start" in
*--config*|*" -c "*) echo "FAIL unit: ExecStart passes a configuration file: $exec_start"; fail=1 ;;
*" run"*) echo "ok   unit ExecStart needs no configuration file: $exec_start" ;;
*) echo "FAIL unit: ExecStart does not run the agent: $exec_start"; fail=1 ;;
esac
for want in '^Type=notify$' '^WatchdogSec=' '^ExecReload=/bin/sh -c' '^EnvironmentFile=-'; do
	grep -q "$want" "$unit" || { echo "FAIL unit: no line matching $want"; fail=1; }
done

# Each endpoint once, across the image's ENTRYPOINT and the DaemonSet's args (which replace
# CMD): the crash loop "cannot bind: Address already in use" came from both passing --publish.
/usr/bin/python3 - "$CJD_SOURCE_DIR/packaging/Dockerfile" "$CJD_SOURCE_DIR/packaging/k8s/daemonset.yaml" <<'PY' || fail=1
import json, sys, yaml
df = open(sys.argv[1]).read().splitlines()
entry = json.loads([l[len("ENTRYPOINT "):] for l in df if l.startswith("ENTRYPOINT ")][-1])
cmd = json.loads([l[len("CMD "):] for l in df if l.startswith("CMD ")][-1])
ds = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d and d.get("kind") == "DaemonSet"][0]
c = ds["spec"]["template"]["spec"]["containers"][0]
assert "command" not in c, "the DaemonSet should keep the image's entrypoint"
assert entry[:2] == ["/usr/local/bin/cjd", "run"], entry
assert "--publish" not in entry and "-p" not in entry, "the entrypoint must not hold defaults: %s" % entry
for name, argv in (("image default", entry + cmd), ("DaemonSet", entry + c["args"])):
    eps = [argv[i + 1] for i, a in enumerate(argv) if a in ("--publish", "-p")]
    assert len(eps) == len(set(eps)), "%s repeats an endpoint: %s" % (name, argv)
    assert eps, "%s publishes nowhere reachable: %s" % (name, argv)
print("ok   entrypoint + args name each endpoint once")
PY

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null || { echo "FAIL cmake --install"; exit 1; }
for f in bin/cjd lib/systemd/system/cjd.service share/doc/cjd/config.md; do
	[ -e "$tmp/prefix/$f" ] || { echo "FAIL install: $f missing"; fail=1; }
done
grep -q "ExecStart=$tmp/prefix/bin/cjd run" "$tmp/prefix/lib/systemd/system/cjd.service" 2>/dev/null ||
	grep -q "ExecStart=.*/bin/cjd run" "$tmp/prefix/lib/systemd/system/cjd.service" ||
	{ echo "FAIL installed unit ExecStart"; fail=1; }
if ls "$CJD_SOURCE_DIR"/models/*.json >/dev/null 2>&1; then
	[ -n "$(ls "$tmp/prefix/share/cjd/models/"*.json 2>/dev/null)" ] || { echo "FAIL models not installed"; fail=1; }
fi
if [ -e "$CJD_SOURCE_DIR/docs/cjd.1" ]; then
	[ -e "$tmp/prefix/share/man/man1/cjd.1" ] || { echo "FAIL man page not installed"; fail=1; }
fi
[ $fail -eq 0 ] && echo "ok   install layout"
exit $fail
