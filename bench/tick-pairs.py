#!/usr/bin/env python3
"""`cjd bench tick` of two binaries in pairs, for a before/after change of the detector core.

Usage: bench/tick-pairs.py OLD_CJD NEW_CJD [PAIRS] [SETS] [EXTRA_ARGS]
  e.g. bench/tick-pairs.py /tmp/old/build/cjd build/cjd 20
       bench/tick-pairs.py /tmp/old/build/cjd build/cjd 20 hw,sw "--trees 1 --depth 1"

Each pair runs old and new (--reps 7, each figure already a median of 7) back to back
pinned to the same CPU, alternating the CPU from pair to pair and the order every two
pairs. Why pairs: on a shared VM one vCPU can run at two speeds (a busy sibling on the
host), so two unpaired medians can differ by 40% on identical code; a pair shares the
CPU's state. Prints, per set, tier and phase (tick; push of the round's samples), the
median CPU µs of old and new and the median of the per-pair new/old ratios.
With "--trees 1 --depth 1" the model costs almost nothing and the table shows the
detector's own work (staging, rings, per-lane state, alert state machines).
"""
import json
import statistics
import subprocess
import sys


def call(cjd, cpu, set_, extra):
    out = subprocess.run(["taskset", "-c", str(cpu), cjd, "bench", "tick", "--set", set_,
                          "--reps", "7", "--json", *extra],
                         capture_output=True, text=True, check=True)
    run = json.loads(out.stdout)["runs"][0]
    return {r["name"]: (r["cpu_median_ns"], r["push_median_ns"]) for r in run["rows"] if r["ran"]}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    sets = sys.argv[4].split(",") if len(sys.argv) > 4 else ["hw", "sw"]
    extra = sys.argv[5].split() if len(sys.argv) > 5 else []
    cpus = []
    for part in open("/sys/devices/system/cpu/online").read().strip().split(","):
        lo, _, hi = part.partition("-")
        cpus += range(int(lo), int(hi or lo) + 1)
    res = {}
    for i in range(pairs):
        cpu = cpus[i % len(cpus)]
        for set_ in sets:
            order = [("old", old), ("new", new)] if i % 4 < 2 else [("new", new), ("old", old)]
            got = {label: call(cjd, cpu, set_, extra) for label, cjd in order}
            for tier in got["old"]:
                for k, phase in ((0, "tick"), (1, "push")):
                    res.setdefault((set_, tier, phase), []).append(
                        (got["old"][tier][k], got["new"][tier][k]))
        print(f"# pair {i + 1} of {pairs}", file=sys.stderr, flush=True)
    print(f"| set | tier | phase | old µs | new µs | new/old (median of {pairs} pairs) |")
    print("|---|---|---|---|---|---|")
    for (set_, tier, phase), v in res.items():
        o = statistics.median(x[0] for x in v) / 1e3
        n = statistics.median(x[1] for x in v) / 1e3
        r = statistics.median(x[1] / x[0] for x in v)
        print(f"| {set_} | {tier} | {phase} | {o:.0f} | {n:.0f} | {r:.2f} |")


if __name__ == "__main__":
    main()
