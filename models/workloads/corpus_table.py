#!/usr/bin/python3
"""Prints the corpus tables (markdown) for models/README.md from the traces in models/data.

Usage: corpus_table.py [--real] [DATA_DIR]
  default  the simulated traces (*.sim.cjdt.gz): IPC, LL misses, ...
  --real   the software-event recordings (*.real.cjdt.gz): utilisation and rates
"""
import glob
import gzip
import json
import os
import sys


def stats(path):
    n = 0
    tot = {}
    t_end = 0
    label = None
    with gzip.open(path, "rt") as f:
        hdr = json.loads(f.readline())
        ev = hdr["events"]
        for line in f:
            s = json.loads(line)
            n += 1
            label = s.get("label")
            t_end = max(t_end, s["t_ns"])
            for k, v in zip(ev, s["counts"]):
                tot[k] = tot.get(k, 0) + v
    return hdr, n, tot, t_end, label


def print_table(data, rows, names, n_left):
    """A markdown table of rows (label, file, then one value per name in names); the first
    n_left columns after the file are left-aligned text, the rest right-aligned; then the
    totals line. rows[i][3] is the sample count."""
    print("| label | file | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * n_left + "---:|" * (len(names) - n_left))
    for r in rows:
        print("| `%s` | " % r[0] + " | ".join(str(x) for x in r[1:]) + " |")
    total = sum(os.path.getsize(os.path.join(data, r[1])) for r in rows)
    print("\n%d traces, %d samples, %.1f KiB in all." % (len(rows), sum(r[3] for r in rows), total / 1024.0))


def real_table(data):
    rows = []
    for path in sorted(glob.glob(os.path.join(data, "*.real.cjdt.gz"))):
        cgroups = set()
        with gzip.open(path, "rt") as f:
            json.loads(f.readline())
            for line in f:
                cgroups.add(json.loads(line)["cgroup"])
        hdr, n, tot, t_end, label = stats(path)
        cpu_s = tot.get("task-clock", 0) / 1e9
        per = lambda k: "%.0f" % (tot.get(k, 0) / cpu_s) if cpu_s else "-"
        rows.append((label or "", os.path.basename(path), len(cgroups), n, "%.0f" % (t_end / 1e9),
                     "%.2f" % (cpu_s / (t_end / 1e9) / len(cgroups)) if t_end else "-",
                     per("context-switches"), per("page-faults"), per("syscalls"),
                     "%.1f" % (os.path.getsize(path) / 1024.0)))
    rows.sort(key=lambda r: (not r[0].startswith("miner"), r[0]))
    print_table(data, rows, ["cgroups", "samples", "s", "util", "ctxsw/CPU-s", "faults/CPU-s",
                             "syscalls/CPU-s", "KiB"], 0)


def main():
    args = sys.argv[1:]
    real = "--real" in args
    args = [a for a in args if a != "--real"]
    data = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "data")
    if real:
        real_table(data)
        return
    rows = []
    for path in sorted(glob.glob(os.path.join(data, "*.sim.cjdt.gz"))):
        try:
            hdr, n, tot, t_end, label = stats(path)
        except (EOFError, ValueError) as e:
            print("%s: skipped (%s)" % (path, e), file=sys.stderr)
            continue
        meta = hdr.get("meta", {})
        per = meta.get("simulator", {}).get("instructions_per_sample")
        ins = tot.get("instructions", 0)
        cyc = tot.get("cycles", 0)
        rows.append((label or "", os.path.basename(path), hdr["source"], n,
                     "%dM" % (per // 1000000) if per else "-",
                     "%.2f" % (ins / 1e9) if ins else "-",
                     "%.3f" % (t_end / 1e9),
                     "%.2f" % (ins / cyc) if cyc else "-",
                     "%.2f" % (tot.get("task-clock", 0) / t_end) if t_end else "-",
                     "%.1f" % (1000.0 * tot.get("cache-misses", 0) / ins) if ins else "-",
                     "%.1f" % (os.path.getsize(path) / 1024.0)))
    rows.sort(key=lambda r: (not r[0].startswith("miner"), r[0], r[2]))
    print_table(data, rows, ["source", "samples", "-i", "G instr", "sim. s", "IPC", "util", "LL MPKI",
                             "KiB"], 1)


if __name__ == "__main__":
    main()
