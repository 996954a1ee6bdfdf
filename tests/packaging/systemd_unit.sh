#!/bin/sh
# The systemd unit, started by a real systemd: a Debian 12 root filesystem made by debootstrap
# (cached under the build directory) runs systemd as PID 1 in a Docker container sharing the
# host's cgroup namespace; `cmake --install` lays cjd and its unit into it, and then
# `systemctl start cjd` must come up (Type=notify: READY=1) with no configuration file, show its
# STATUS=, put FIRING lines in `journalctl -p warning` (naming a Docker container started after
# it, from the runtime's root-only records), reload on `systemctl reload` (and keep
# running on a bad file), be restarted by the watchdog when it hangs, and stop cleanly.
# The container's systemd gets only the host's cgroup v2 hierarchy, in unified mode: on a hybrid
# host a systemd in legacy mode would mount a cgroup v1 perf_event hierarchy, which takes the
# perf_event controller off cgroup v2 for the whole machine (checked before and after).
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
. "$CJD_SOURCE_DIR/tests/lib.sh"
. "$CJD_SOURCE_DIR/tests/docker_lib.sh"

if ldd "$CJD_BIN" | grep -q libasan; then
	echo "SKIP: an ASan build under the unit's system-call filter tests ASan, not the unit; the Release run starts it"
	exit 77
fi
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (debootstrap, a privileged container)"; exit 77; }
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then v2=/sys/fs/cgroup
elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then v2=/sys/fs/cgroup/unified
else echo "SKIP: no cgroup v2 hierarchy to give the container's systemd (pure cgroup v1 host)"; exit 77
fi
cjd_docker_up

perf_hier() { awk '$1 == "perf_event" {print $2}' /proc/cgroups; }
perf0=$(perf_hier)

# ---- the root filesystem: debootstrap once, then from the cache ----
suite=bookworm
pkgs=systemd,systemd-sysv,libcgroup2,libcap2,libzmq5,zlib1g,libjansson4,libcurl4,libssl3,libcapstone4,libmicrohttpd12
cache=${CJD_TEST_CACHE:-$(dirname "$CJD_BIN")/cache}
key=$(printf '%s %s' "$suite" "$pkgs" | md5sum | cut -c1-12)
tarball="$cache/debian-$suite-systemd-$key.tar"
if [ -s "$tarball" ]; then
	echo "info root filesystem from the cache: $tarball"
else
	command -v debootstrap >/dev/null 2>&1 || { echo "SKIP: no debootstrap (apt-get install debootstrap)"; exit 77; }
	mkdir -p "$cache"
	echo "info debootstrap --variant=minbase $suite with $pkgs (once; cached in $cache)"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include="$pkgs" "$suite" "$T/root" >"$T/debootstrap.log" 2>&1; then
		echo "SKIP: debootstrap failed (is the Debian archive reachable?); its last lines:"
		tail -n 5 "$T/debootstrap.log" | sed 's/^/    /'
		exit 77
	fi
	tar -C "$T/root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball" || { bad "caching $tarball"; exit 1; }
	rm -rf "$T/root"
	echo "info debootstrap took $(($(date +%s) - t0)) s"
fi

name="cjd-deploy-systemd-$$"
tag="$name:test"
cid=""
cleanup() {
	if docker inspect "$name" >/dev/null 2>&1; then
		cid=$(docker inspect -f '{{.Id}}' "$name")
		docker stop -t 15 "$name" >/dev/null 2>&1
		docker rm -f "$name" >/dev/null 2>&1
	fi
	docker rm -f "$name-late" >/dev/null 2>&1
	docker rmi "$tag" >/dev/null 2>&1
	# the container's systemd made cgroups under its own one in the host's v2 tree
	[ -n "$cid" ] && [ -d "$v2/docker/$cid" ] &&
		find "$v2/docker/$cid" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
docker import --change 'ENV container=docker' "$tarball" "$tag" >/dev/null || { bad "docker import"; exit 1; }

# Everything the host allows but no more: `--privileged` asks for capabilities the host's
# bounding set may lack (here CAP_SYS_RESOURCE), which runc then refuses.
drop=$(/usr/bin/python3 - <<'PY'
names = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
         "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
         "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
         "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
         "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ").split()
bnd = int([l.split()[1] for l in open("/proc/self/status") if l.startswith("CapBnd:")][0], 16)
print(" ".join("--cap-drop=" + n for i, n in enumerate(names) if not bnd >> i & 1))
PY
)
t0=$(date +%s)
# shellcheck disable=SC2086
docker run -d --name "$name" --cap-add ALL $drop \
	--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	--cgroupns=host -v "$v2:/sys/fs/cgroup" --tmpfs /run --tmpfs /run/lock \
	-v /var/lib/docker/containers:/var/lib/docker/containers:ro \
	--stop-signal SIGRTMIN+3 --entrypoint /sbin/init "$tag" systemd.unified_cgroup_hierarchy=1 \
	>/dev/null || { bad "docker run systemd"; exit 1; }
ex() { docker exec "$name" "$@"; }
i=0
while [ $i -lt 60 ]; do
	state=$(ex systemctl is-system-running 2>/dev/null)
	case "$state" in running|degraded) break ;; esac
	sleep 0.5
	i=$((i + 1))
done
if [ "$(perf_hier)" != "$perf0" ]; then
	bad "the perf_event controller moved (hierarchy $perf0 -> $(perf_hier)): stopping the container now"
	exit 1
fi
case "$state" in
running|degraded) ok "systemd $(ex systemctl --version | awk 'NR==1{print $2}') is PID 1 in $name ($state after $(($(date +%s) - t0)) s)" ;;
*) bad "systemd did not come up: '$state'"; docker logs "$name" 2>&1 | tail -n 20; exit 1 ;;
esac

# ---- install as a user would: cmake --install, then systemctl ----
build=$(dirname "$CJD_BIN")
DESTDIR="$T/inst" cmake --install "$build" --prefix /usr/local >/dev/null || { bad "cmake --install"; exit 1; }
docker cp "$T/inst/usr/local/." "$name:/usr/local/" || { bad "docker cp"; exit 1; }
missing=$(ex ldd /usr/local/bin/cjd | grep 'not found')
[ -z "$missing" ] || { bad "libraries missing from the Debian root filesystem: $missing"; exit 1; }
ex test ! -e /etc/cjd/cjd.json || { bad "the root filesystem already has /etc/cjd/cjd.json"; exit 1; }
ex systemctl daemon-reload
t0=$(date +%s%N)
if ex systemctl start cjd; then
	ok "systemctl start cjd returned after READY=1 in $((($(date +%s%N) - t0) / 1000000)) ms, with no /etc/cjd/cjd.json"
else
	bad "systemctl start cjd"
	ex journalctl -u cjd --no-pager | tail -n 20
	exit 1
fi
[ "$(ex systemctl is-active cjd)" = active ] && ok "is-active: active" || bad "is-active: $(ex systemctl is-active cjd)"
status=$(ex systemctl show -p StatusText --value cjd)
case "$status" in *" mode, "*cgroups*model*) ok "STATUS=: $status" ;; *) bad "STATUS=: '$status'" ;; esac
# The metrics server answers on its default loopback address under the unit's sandbox (its
# system-call filter, address families): /healthz and a scrape, over bash's /dev/tcp.
get() { ex bash -c "exec 3<>/dev/tcp/127.0.0.1/5558 && printf 'GET $1 HTTP/1.0\r\n\r\n' >&3 && cat <&3" 2>&1; }
h=$(get /healthz)
case "$h" in "HTTP/1."?" 200 "*ok) ok "/healthz on 127.0.0.1:5558 under the unit: 200 ok" ;;
*) bad "/healthz under the unit: $(echo "$h" | head -n 3 | tr '\r\n' '  ')" ;; esac
get /metrics | grep -q '^cjd_cgroups_monitored ' && ok "/metrics answers under the unit" ||
	bad "/metrics under the unit: $(get /metrics | head -n 3 | tr '\r\n' '  ')"
[ "$(ex systemctl is-active cjd)" = active ] || bad "the agent died serving HTTP under the unit: $(ex systemctl show -p Result cjd)"
ex journalctl -u cjd --no-pager -o cat >"$T/journal"
model=$(sed -n 's/^cjd: model: //p' "$T/journal")
echo "info the agent chose model: ${model:-?}"
# the unit's sandbox leaves the evidence probes what they need (ptrace, setns, SCHED_FIFO)
if grep -q '^cjd: evidence: fpstate available' "$T/journal" &&
	grep -q '^cjd: privileges: kept only the perf capability.*CAP_SYS_PTRACE' "$T/journal"; then
	ok "evidence probes under the unit: $(grep -c '^cjd: evidence: [a-z]* available' "$T/journal") available, CAP_SYS_PTRACE kept"
else
	bad "evidence probes under the unit: $(grep 'evidence: \|privileges:' "$T/journal" | head -n 5)"
fi
grep -q '^cjd: systemd: told ready; watchdog pings every 15s$' "$T/journal" &&
	ok "the agent pings the watchdog every WatchdogSec/2" || bad "no watchdog line: $(grep systemd: "$T/journal")"

# ---- journald priorities: FIRING lines are warnings ----
# Threshold 0 flags every window of the container's own cgroups: this checks the plumbing from
# the alert to `journalctl -p warning`, not the model. The file and the option file are the
# optional ones the unit documents. require none: screening alone lets the alert out (in software
# mode the default holds it for the verdict, and this container's loop is no miner).
ex sh -c "mkdir -p /etc/cjd && printf '%s\n' '{\"detector\": {\"threshold\": 0, \"threshold_low\": 0}, \"evidence\": {\"require\": \"none\"}}' >/etc/cjd/cjd.json"
ex sh -c "printf 'CJD_OPTS=\"--interval 200ms --cgroup /docker/*\"\n' >/etc/default/cjd"
ex systemctl restart cjd || bad "systemctl restart cjd"
i=0
while [ $i -lt 40 ] && ! ex journalctl -p warning -u cjd --no-pager -o cat | grep -q 'FIRING'; do
	sleep 0.5
	i=$((i + 1))
done
ex journalctl -p warning -u cjd --no-pager -o cat >"$T/warn"
if grep -q '^cjd: warning: FIRING .*/docker/' "$T/warn" && ! grep -q 'publishing alerts on' "$T/warn"; then
	ok "journalctl -p warning -u cjd: $(grep -c FIRING "$T/warn") FIRING line(s), no info lines"
else
	bad "journalctl -p warning -u cjd:"
	sed 's/^/    /' "$T/warn" | tail -n 10
fi
# A container started after the agent dropped its capabilities is named from Docker's
# config.v2.json (root 0600 under a 0710 directory): the unit's root uid reads it as its owner.
docker run -d --name "$name-late" "$tag" /bin/sleep 60 >/dev/null || bad "docker run $name-late"
i=0
while [ $i -lt 40 ] && ! ex journalctl -p warning -u cjd --no-pager -o cat | grep -q "FIRING container $name-late "; do
	sleep 0.5
	i=$((i + 1))
done
if ex journalctl -p warning -u cjd --no-pager -o cat | grep -q "FIRING container $name-late (image $tag)"; then
	ok "a container started later is named in its alert: container $name-late (image $tag)"
else
	bad "no alert naming $name-late: $(ex journalctl -u cjd --no-pager -o cat | grep -E "$name-late|$(docker inspect -f '{{.Id}}' "$name-late" | cut -c1-12)" | tail -n 3)"
fi
docker rm -f "$name-late" >/dev/null 2>&1
ex journalctl -p info -u cjd --no-pager -o cat | grep -q '^cjd: events: ' &&
	ok "banner lines are at info" || bad "banner not in journalctl -p info"

# ---- reload: SIGHUP between RELOADING=1 and READY=1, a bad file rejected ----
if ex systemctl reload cjd && ex journalctl -u cjd --no-pager -o cat | grep -q '^cjd: reloaded: model'; then
	ok "systemctl reload cjd"
else
	bad "systemctl reload cjd"
fi
ex sh -c "printf '%s\n' '{\"collector\": {\"interval\": \"5ms\"}}' >/etc/cjd/cjd.json"
if ex systemctl reload cjd && [ "$(ex systemctl is-active cjd)" = active ] &&
	ex journalctl -p err -u cjd --no-pager -o cat | grep -q 'reload rejected, the running configuration stays: /etc/cjd/cjd.json:1:'; then
	ok "a bad /etc/cjd/cjd.json is rejected on reload (journalctl -p err), still active"
else
	bad "bad file on reload: $(ex journalctl -u cjd --no-pager -o cat | tail -n 3)"
fi
ex rm -f /etc/cjd/cjd.json

# ---- the watchdog: pings keep a 2 s watchdog quiet; a hung agent is killed and restarted ----
ex sh -c 'mkdir -p /etc/systemd/system/cjd.service.d &&
	printf "[Service]\nWatchdogSec=2s\nRestartSec=1s\n" >/etc/systemd/system/cjd.service.d/test.conf'
ex systemctl daemon-reload
ex systemctl restart cjd
pid1=$(ex systemctl show -p MainPID --value cjd)
sleep 5
if [ "$(ex systemctl show -p MainPID --value cjd)" = "$pid1" ] &&
	! ex journalctl -u cjd --no-pager -o cat | grep -q 'Watchdog timeout'; then
	ok "WatchdogSec=2s: pinged for 5 s, no timeout"
else
	bad "the agent did not keep a 2 s watchdog quiet"
fi
t0=$(date +%s)
ex sh -c "kill -STOP $pid1"   # sh's kill: no procps here
i=0
pid2=$pid1
while [ $i -lt 40 ]; do
	pid2=$(ex systemctl show -p MainPID --value cjd)
	[ "$pid2" != "$pid1" ] && [ "$pid2" != 0 ] && [ "$(ex systemctl is-active cjd)" = active ] && break
	sleep 0.5
	i=$((i + 1))
done
if ex journalctl -u cjd --no-pager -o cat | grep -q 'Watchdog timeout' && [ "$pid2" != "$pid1" ]; then
	ok "a stopped agent (SIGSTOP) missed its pings: watchdog timeout, restarted as PID $pid2 after $(($(date +%s) - t0)) s"
else
	bad "watchdog did not restart a hung agent: $(ex journalctl -u cjd --no-pager -o cat | tail -n 4)"
fi
ex rm -rf /etc/systemd/system/cjd.service.d
ex systemctl daemon-reload

# ---- stop ----
if ex systemctl stop cjd && [ "$(ex systemctl show -p Result --value cjd)" = success ] &&
	[ "$(ex systemctl show -p ExecMainStatus --value cjd)" = 0 ]; then
	ok "systemctl stop cjd: exit 0, result success"
else
	bad "systemctl stop: $(ex systemctl show -p Result -p ExecMainStatus cjd | tr '\n' ' ')"
fi
ex journalctl -u cjd --no-pager -o cat | grep -q '^cjd: Terminated: stopping$' || bad "no 'Terminated: stopping' line"
echo "info $(ex systemd-analyze security cjd 2>/dev/null | tail -n 1)"
[ "$(perf_hier)" = "$perf0" ] || bad "the perf_event controller moved (hierarchy $perf0 -> $(perf_hier))"
exit $fail
