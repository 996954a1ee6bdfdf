# Sourced by the shell tests that need a Docker engine (after tests/lib.sh): starts dockerd
# when none answers, or skips the test (exit 77) saying why, and builds images without a
# registry (none is reachable from CI or the development machines).
# shellcheck source=../packaging/rootfs.sh
. "${CJD_SOURCE_DIR:-$(dirname "$0")/../..}/packaging/rootfs.sh"

# cjd_docker_up: returns when `docker info` answers; exits 77 with the reason otherwise.
# A dockerd started here is left running for the tests that follow (CI's machine is
# thrown away; on a developer's machine it is the Debian service anyway).
cjd_docker_up() {
	command -v docker >/dev/null 2>&1 || { echo "SKIP: no docker client (apt-get install docker.io)"; exit 77; }
	docker info >/dev/null 2>&1 && return 0
	command -v dockerd >/dev/null 2>&1 || { echo "SKIP: no dockerd (apt-get install docker.io)"; exit 77; }
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: dockerd is not running and starting it needs root"; exit 77; }
	log=/var/log/cjd-test-dockerd.log
	echo "starting dockerd (log: $log)"
	# setsid: the engine must not die with this test's process group
	setsid dockerd >"$log" 2>&1 </dev/null &
	i=0
	while [ $i -lt 60 ]; do
		docker info >/dev/null 2>&1 && return 0
		sleep 0.5
		i=$((i + 1))
	done
	echo "SKIP: dockerd did not answer within 30 s; its last lines:"
	tail -n 5 "$log" | sed 's/^/    /'
	exit 77
}

# cjd_docker_image_from_dir NAME DIR [CHANGE...]: a root filesystem made here becomes image
# NAME (docker import; each CHANGE is a Dockerfile instruction such as 'ENTRYPOINT ["/x"]').
cjd_docker_image_from_dir() {
	name=$1 dir=$2
	shift 2
	set -- "$@"
	args=""
	for c in "$@"; do args="$args --change '$c'"; done
	eval "tar -C \"\$dir\" -c . | docker import $args - \"\$name\"" >/dev/null
}

# cjd_docker_rootfs_for BINARY DIR: copies BINARY and every shared library ldd names (with
# the dynamic loader) into DIR at their own paths, so a FROM-scratch image can run it.
# (packaging/rootfs.sh does the work; packaging/build-image uses it too.)
cjd_docker_rootfs_for() {
	cjd_rootfs_add_binary "$1" "$2"
}
