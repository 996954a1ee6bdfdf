#!/bin/sh
# Deployment files: the systemd unit verifies, the DaemonSet has what cjd needs, and
# `cmake --install` lays out the binary, unit, docs (and models and man page once present).
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
