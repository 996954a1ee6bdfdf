# Shared by the container workloads (sourced after lib.sh): one job spread over several Docker
# containers of ONE image, recorded as one trace of several cgroups (issue 13, aggregation).
# A script is run as:  models/workloads/<name>.sh real   (real mode only: containers need a
# Docker engine and a kernel; simrecord runs one command, not containers)
#
# Images are made FROM scratch here (tests/docker_lib.sh: no registry is reachable), the
# containers' cgroups are recorded by `cjd record --cgroup PATH ...` (its host form, one
# trace, rounds of every container at once), and the names Docker gives the containers and
# their image are written beside the trace as WL_OUT/<name>.identities.json (cgroup path ->
# container name, image), which `cjd replay --identities` reads: a trace holds no names.
# Environment (besides lib.sh's): CTR_N (containers, default 4).

# shellcheck source=../../tests/docker_lib.sh
. "$WL_ROOT/tests/docker_lib.sh"

# ctr_init KIND NAME MODE: as wl_init (real only), then a Docker engine and a unique tag.
ctr_init() {
	case "${3:-}" in
	real) ;;
	sim) wl_die "containers are recorded in real mode only (see ctr_lib.sh)" ;;
	esac
	# The miners' stand-in pool is in-process (a socketpair): a container's network is
	# Docker's bridge, not the script's network namespace.
	WL_POOL=pair
	wl_init "$1" "$2" "${3:-}"
	( cjd_docker_up >"$WL_TMP/docker.out" 2>&1 ) || { cat "$WL_TMP/docker.out" >&2; wl_die "no Docker engine"; }
	CTR_N=${CTR_N:-4}
	CTR_TAG="cjd-wl-$WL_NAME-$$"
	CTR_NAMES=""
	WL_CLEANUP='ctr_cleanup'
}

ctr_cleanup() {
	# shellcheck disable=SC2086
	[ -n "$CTR_NAMES" ] && docker rm -f $CTR_NAMES >/dev/null 2>&1
	docker rmi "$CTR_TAG:1" >/dev/null 2>&1
	return 0
}

# ctr_image ENTRYPOINT BINARY...: image CTR_TAG:1 holding each BINARY (and its libraries) at
# its own path, started as ENTRYPOINT.
ctr_image() {
	ep=$1
	shift
	for b in "$@"; do cjd_docker_rootfs_for "$b" "$WL_TMP/root" || wl_die "cannot copy $b"; done
	cjd_docker_image_from_dir "$CTR_TAG:1" "$WL_TMP/root" "ENTRYPOINT [\"$ep\"]" ||
		wl_die "docker import failed"
	wl_say "image $CTR_TAG:1 built FROM scratch ($*)"
}

# ctr_run_record [DOCKER RUN OPTIONS --] ARGS...: CTR_N containers of CTR_TAG:1, each given
# ARGS, recorded together for REAL_DUR at 100 ms; the identities file beside the trace.
ctr_run_record() {
	opts=""
	case " $* " in *" -- "*)
		while [ "$1" != -- ]; do opts="$opts $1"; shift; done
		shift ;;
	esac
	out=$WL_OUT/$WL_NAME.real.cjdt.gz
	ids=$WL_OUT/$WL_NAME.identities.json
	v2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	globs="" json="{"
	i=1
	while [ $i -le "$CTR_N" ]; do
		name="$CTR_TAG-$i"
		# shellcheck disable=SC2086
		docker run -d --name "$name" $opts "$CTR_TAG:1" "$@" >/dev/null || wl_die "docker run $name"
		CTR_NAMES="$CTR_NAMES $name"
		pid=$(docker inspect -f '{{.State.Pid}}' "$name")
		cg=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
		[ -n "$v2" ] && [ -n "$cg" ] && [ "$cg" != / ] && [ -d "$v2$cg" ] ||
			wl_die "container $name is in no cgroup v2 of its own (v2 at '${v2:-none}', '$cg')"
		globs="$globs --cgroup $cg"
		[ $i -gt 1 ] && json="$json,"
		# the names are ours (the tag), so they need no JSON escaping
		json="$json
  \"$cg\": {\"name\": \"$name\", \"image\": \"$CTR_TAG:1\"}"
		i=$((i + 1))
	done
	printf '%s\n}\n' "$json" > "$ids"
	wl_say "record: $CTR_N containers of $CTR_TAG:1, 100ms samples for $REAL_DUR -> $out"
	# shellcheck disable=SC2086
	"$CJD" record -i 100ms -d "$REAL_DUR" --label "$WL_LABEL" --workload "$WL_NAME" \
		$globs -o "$out" >/dev/null 2>"$WL_TMP/record.err"
	rc=$?
	cat "$WL_TMP/record.err" >&2
	[ $rc -eq 0 ] || wl_die "cjd record failed (exit $rc)"
	"$CJD" trace validate -q "$out" || wl_die "the trace does not validate: $out"
	n=$("$CJD" trace stats --json "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["cgroups"])' 2>/dev/null)
	wl_say "the trace holds ${n:-?} cgroups; identities in $ids"
}
