#!/usr/bin/python3
"""N copies of one cgroup's trace as N cgroups of one trace: a stand-in for N containers of one image.

Usage: copies.py N IN.cjdt[.gz] OUT.cjdt

Copy i is the recording rotated by i/N of its length (its samples from there to the end, then
the beginning, times shifted to follow on), so the copies are the same workload at different
points of its run, as replicas started at different times would be; its cgroup is the
original's with "-copy<i>" appended. The output is in time order (what `cjd trace cat --sort`
gives), for `cjd replay --aggregate`. Counts, intervals and labels are the recording's own: the
copies were not run together, so they do not compete for CPUs as real replicas would
(models/README.md, "Aggregation across cgroups", says what that means for the figures).
"""
import gzip
import json
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    src = sys.argv[2]
    opener = gzip.open if open(src, "rb").read(2) == b"\x1f\x8b" else open
    with opener(src, "rt") as f:
        header = f.readline()
        rows = [json.loads(line) for line in f if line.strip()]
    cgroups = {r["cgroup"] for r in rows}
    if len(cgroups) != 1:
        sys.exit(f"{src}: {len(cgroups)} cgroups; copies.py takes a one-cgroup trace")
    out = []
    for i in range(n):
        cut = len(rows) * i // n
        t = 0
        for r in rows[cut:] + rows[:cut]:
            t += r["dt_ns"]  # the intervals follow on, across the wrap too
            c = dict(r)
            c["t_ns"] = t
            c["cgroup"] = f"{r['cgroup']}-copy{i + 1}"
            out.append(c)
    out.sort(key=lambda r: r["t_ns"])
    with open(sys.argv[3], "w") as f:
        f.write(header)
        for r in out:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


main()
