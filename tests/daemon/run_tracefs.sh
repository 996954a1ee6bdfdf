#!/bin/sh
# A freshly booted host, where nothing has mounted tracefs: in a private mount namespace with
# tracefs (and debugfs) unmounted, `cjd run` mounts tracefs itself, counts syscalls, picks
# sw-default and alerts on a miner-shaped loop. Where it cannot mount it (CAP_SYS_ADMIN
# dropped, as in a container), it starts with sw-nosyscalls, the banner says why, and it still
# alerts. Where tracefs is already mounted, it says nothing about it and picks sw-default.
# The host's own mounts are never touched (every namespace is private, checked).
#
# Alerting is checked with fixture models (tests/daemon/data/busy-*.json: a steadily busy
# cgroup scores high), as test_run_e2e does: the shipped software models let a one-thread,
# network-silent loop pass at 1 s, and on a loaded 2-vCPU host it does not get a whole CPU.
# busy-syscalls.json needs syscalls, so its alert also proves they are counted. The shipped
# models' selection is checked on the banner of a run without --model.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}" "${CJD_HASHLOOP:?}"
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespaces, cgroups, mounting tracefs)"; exit 77; }
for tool in unshare setpriv; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: needs $tool (util-linux)"; exit 77; }
done
unshare -m --propagation private true 2>/dev/null ||
	{ echo "SKIP: cannot make a private mount namespace (unshare -m) here"; exit 77; }
[ -d /sys/kernel/tracing ] || { echo "SKIP: this kernel has no /sys/kernel/tracing"; exit 77; }
v2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
[ -n "$v2" ] || { echo "SKIP: no cgroup v2 hierarchy mounted"; exit 77; }

name=cjd-host-tracefs-$$
base=$v2/$name
kids=""
cleanup() {
	for p in $kids; do kill -9 "$p" 2>/dev/null; done
	[ -n "${agent:-}" ] && kill -9 "$agent" 2>/dev/null
	wait 2>/dev/null
	for _ in $(seq 50); do rmdir "$base/hash" "$base/idle" "$base" 2>/dev/null; [ -d "$base" ] || break; sleep 0.1; done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$base/hash" "$base/idle" || { echo "FAIL cannot create $base"; exit 1; }
# the loop at nice -15 gets its CPU on a busy host, as a miner does on the idle cores it picks
sh -c "echo \$\$ > '$base/hash/cgroup.procs' && exec nice -n -15 '$CJD_HASHLOOP' 2>/dev/null" &
kids="$kids $!"
sh -c "echo \$\$ > '$base/idle/cgroup.procs' && exec sleep 1000" &
kids="$kids $!"

# Execs, in a new private mount namespace with tracefs and debugfs unmounted (debugfs would
# automount tracefs at debug/tracing), COMMAND under setpriv with SETPRIV_ARGS (none if ""),
# after mounting tracefs if MOUNT is "mount". It replaces the shell that runs it: call it in
# a subshell, ( fresh ... ) or fresh ... &, so that $! is COMMAND's pid.
# fresh MOUNT SETPRIV_ARGS -- COMMAND ARGS...
fresh() {
	pre=$1 caps=$2
	shift 3
	# shellcheck disable=SC2016
	exec unshare -m --propagation private sh -c '
		while grep -q -e " - tracefs " -e " - debugfs " /proc/self/mountinfo; do
			mp=$(awk "\$0 ~ / - (tracefs|debugfs) / {print \$5}" /proc/self/mountinfo | sort -r | head -1)
			umount -l "$mp" || exit 99
		done
		# private: nothing mounted here reaches the host (no shared peer group left)
		grep -q " /sys[^ ]* [^-]*shared:" /proc/self/mountinfo && exit 97
		[ "$0" = mount ] && { mount -t tracefs nodev /sys/kernel/tracing || exit 98; }
		c=$1
		shift
		[ -z "$c" ] && exec "$@"
		exec setpriv $c -- "$@"' "$pre" "$caps" "$@"
}

# start NAME MOUNT SETPRIV_ARGS [CJD RUN ARGS...]: starts cjd run in the background, stderr to
# $T/NAME.err, journal $T/NAME.jsonl, metrics on a port the kernel picks (never the shared 5558);
# waits for the end of its banner
start() {
	n=$1 pre=$2 caps=$3
	shift 3
	fresh "$pre" "$caps" -- "$CJD_BIN" run --interval 200ms --cgroup "/$name/*" \
		--publish "ipc://$T/$n.sock" --journal "$T/$n.jsonl" --metrics-listen 127.0.0.1:0 \
		--evidence-require none "$@" \
		2> "$T/$n.err" &
	agent=$!
	for _ in $(seq 100); do
		grep -q -e "privileges:" -e "could not drop" "$T/$n.err" 2>/dev/null && return 0
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	bad "$n: cjd run did not start:"; sed 's/^/    /' "$T/$n.err"
	agent=
	return 1
}
stop() {
	[ -n "$agent" ] || return 0
	kill -TERM "$agent"
	wait "$agent"
	rc=$?
	agent=
	[ $rc -eq 0 ] || bad "$1: exit $rc after SIGTERM"
}
# has NAME PATTERN WHAT: the banner of run NAME holds PATTERN (fixed string)
has() {
	if grep -qF -- "$2" "$T/$1.err"; then ok "$1: $3"
	else bad "$1: no '$2' in:"; sed 's/^/    /' "$T/$1.err"; fi
}
hasnt() {
	if grep -qF -- "$2" "$T/$1.err"; then bad "$1: '$2' should not be there:"; sed 's/^/    /' "$T/$1.err"
	else ok "$1: $3"; fi
}
# fires NAME: within 60 s the journal has a firing alert for /hash, never one for /idle
fires() {
	for _ in $(seq 600); do
		grep -q "\"action\":\"firing\".*/$name/hash\"" "$T/$1.jsonl" 2>/dev/null && break
		sleep 0.1
	done
	if grep -q "/$name/idle\"" "$T/$1.jsonl" 2>/dev/null; then bad "$1: the idle cgroup alerted"
	elif grep -q "\"action\":\"firing\".*/$name/hash\"" "$T/$1.jsonl" 2>/dev/null; then
		ok "$1: alert.firing for /$name/hash, none for the idle cgroup"
	else
		bad "$1: no alert.firing for /$name/hash in 60 s:"; sed 's/^/    /' "$T/$1.err" | tail -20
	fi
}
D=$CJD_SOURCE_DIR/tests/daemon/data
nosys_admin="--inh-caps=-sys_admin --bounding-set=-sys_admin"

# 1. Fresh host, privileged: cjd mounts tracefs and counts syscalls.
if start mounted none "" --model "$D/busy-syscalls.json"; then
	has mounted "tracefs: mounted at /sys/kernel/tracing" "says it mounted tracefs"
	has mounted "events: task-clock,context-switches,cpu-migrations,page-faults,syscalls" "counts syscalls"
	fires mounted
	stop mounted
fi
if start default none ""; then
	has default "model: sw-default " "picks sw-default when it could mount tracefs"
	has default "the default in software mode with syscalls counted" "says why"
	stop default
fi

# 2. Fresh host, no CAP_SYS_ADMIN: the mount fails, cjd says why once and runs without syscalls.
if start denied none "$nosys_admin" --model "$D/busy-nosyscalls.json"; then
	has denied "tracefs: not mounted, and mounting it at /sys/kernel/tracing failed: EPERM" "says why tracefs is missing"
	[ "$(grep -c "EPERM" "$T/denied.err")" -eq 1 ] && ok "denied: the failed mount is told once" ||
		bad "denied: the failed mount is told $(grep -c "EPERM" "$T/denied.err") times"
	has denied "events: task-clock,context-switches,cpu-migrations,page-faults," "counts the software events"
	hasnt denied "syscalls, every" "does not claim syscalls"
	fires denied
	stop denied
fi
if start nosys none "$nosys_admin"; then
	has nosys "model: sw-nosyscalls " "picks sw-nosyscalls"
	has nosys "because raw_syscalls:sys_enter cannot be counted: tracefs could not be mounted (EPERM)" "says why"
	stop nosys
fi
# an explicitly requested model that needs syscalls stays an error
( fresh none "$nosys_admin" -- "$CJD_BIN" run --model "$D/busy-syscalls.json" --cgroup "/$name/*" \
	--publish "ipc://$T/x.sock" --journal "$T/x.jsonl" --metrics-listen 127.0.0.1:0 \
	> /dev/null 2> "$T/explicit.err" )
rc=$?
[ $rc -eq 2 ] && grep -q "needs events the source cannot supply: syscalls" "$T/explicit.err" &&
	ok "explicit: a requested model that needs syscalls is refused (exit 2)" ||
	{ bad "explicit: exit $rc:"; sed 's/^/    /' "$T/explicit.err"; }

# 3. tracefs already mounted: nothing to say about it, sw-default.
if start premounted mount ""; then
	hasnt premounted "tracefs:" "says nothing about a tracefs that was there"
	has premounted "model: sw-default " "picks sw-default"
	stop premounted
fi

# The host's mounts are untouched: every namespace above was private (fresh exits 97 if not).
# (Comparing the host's mounts before and after would race with other users of the host.)
( fresh none "" -- true ) && ok "the mount namespaces are private: the host's mounts are untouched" ||
	bad "a mount namespace was not private (exit $?)"
exit $fail
