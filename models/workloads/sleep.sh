#!/bin/sh
# Benign: a cgroup whose one process sleeps: the most common cgroup on any host, and every
# count of it is 0. Models must learn that "nothing ran" is not mining.
# Usage: sleep.sh real|sim   (see lib.sh; sim needs the real trace first)
# real: `sleep` recorded by cjd record: genuine software events, all zero.
# sim:  NOT a simulation: simrecord's clock is the instruction count, so a sleeping program
#       yields no samples. The hardware-event trace is DERIVED from the real recording: the
#       same samples (times, intervals) with every hardware count 0, which is what a PMU
#       counts for a cgroup none of whose tasks ran; the first sample, which holds sleep's
#       start-up, is left out. Its header says source "derived".
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign sleep "${1:-}"
if [ "$WL_MODE" = real ]; then
	wl_record -- sleep 1000000000
	exit 0
fi
src=$WL_OUT/sleep.real.cjdt.gz
out=$WL_OUT/sleep.sim.cjdt.gz
[ -f "$src" ] || wl_die "$src is missing: record 'sleep.sh real' first"
wl_say "deriving $out from $src (all hardware counts 0)"
"$PY" - "$src" "$out" <<'EOF' || wl_die "deriving the trace failed"
import gzip, json, sys
src, out = sys.argv[1:3]
HW = ["cycles", "instructions", "branches", "branch-misses", "cache-references", "cache-misses",
      "L1-dcache-load-misses", "LLC-load-misses", "task-clock"]
with gzip.open(src, "rt") as f:
    hdr = json.loads(f.readline())
    tc = hdr["events"].index("task-clock")
    samples = [json.loads(line) for line in f]
# The first sample holds sleep's exec and start-up (a millisecond of CPU): real work whose
# hardware counts are unknown, so it is left out. After it, nothing may have run.
busy = [i for i, s in enumerate(samples) if any(s["counts"])]
if busy and busy != [0]:
    sys.exit("the sleep recording has activity after its first sample (samples %s)" % busy[:5])
samples = samples[1:] if busy else samples
hdr["source"] = "derived"
hdr["events"] = HW
hdr["meta"] = {"workload": "sleep", "derived_from": src.rsplit("/", 1)[-1], "simulated": False,
               "note": "a sleeping cgroup: the samples of the real recording (but the first, "
                       "which holds the start-up of sleep) with every hardware count 0, as a "
                       "PMU counts for a cgroup none of whose tasks ran; not a simulation"}
with gzip.GzipFile(out, "wb", mtime=0) as g:
    g.write((json.dumps(hdr, separators=(",", ":")) + "\n").encode())
    for s in samples:
        s["counts"] = [0] * len(HW)
        s.pop("running", None)
        g.write((json.dumps(s, separators=(",", ":")) + "\n").encode())
EOF
"$CJD" trace validate -q "$out" || wl_die "the trace does not validate: $out"
