#!/usr/bin/env python3
"""SIMD tiers of two cjd binaries side by side: `cjd bench features`, `gbdt` and `tick`, interleaved.

Usage: bench/tiers-compare.py OLD_CJD NEW_CJD [RUNS] [REPS] [SUBJECTS]
       bench/tiers-compare.py - CJD [RUNS] [REPS] [SUBJECTS]   (one binary: no old column)

Runs every subject, feature set and window RUNS times (default 5) on both binaries,
alternating old and new call by call so both see the same machine, each call with --reps
REPS (default 7; every figure of one call is already a median of REPS). Prints, per row,
the median over the runs of the CPU-time medians, and new/old. A subject the old binary
does not have is shown for the new one only. Timings under an emulator say so (the
binaries' own "emulated" field). SUBJECTS is a comma list (default features,gbdt,tick);
`tick` rows also give the push of the round ("TIER push").
"""
import json
import statistics
import subprocess
import sys


# The configurations of each subject, as `cjd bench` runs them by default.
CONFIGS = {
    "features": [["--set", s, "--window", w] for s in ("hw", "sw") for w in ("8", "32")],
    "gbdt": [["--set", s] for s in ("hw", "sw")],
    "tick": [["--set", s] for s in ("hw", "sw")],
}


def bench(cjd, subject, args, reps):
    """One `cjd bench SUBJECT ARGS --json` call: {(set, window, row): cpu ns}, emulated;
    (None, None) if the binary has no such subject."""
    out = subprocess.run([cjd, "bench", subject, *args, "--reps", str(reps), "--json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        if "unknown subject" in out.stderr:
            return None, None
        sys.exit(f"{cjd} bench {subject} failed: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    rows = {}
    for run in doc["runs"]:
        for row in run["rows"]:
            key = (run["set"], run.get("window", ""), row["name"])
            rows[key] = row["cpu_median_ns"] if row["ran"] else None
            if "push_median_ns" in row:
                rows[key[:2] + (row["name"] + " push",)] = row["push_median_ns"]
    return rows, doc.get("emulated")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    subjects = sys.argv[5].split(",") if len(sys.argv) > 5 else list(CONFIGS)
    for subject in subjects:
        got = {"old": [], "new": []}
        emulated = None
        for r in range(runs):
            print(f"# {subject}: run {r + 1} of {runs}", file=sys.stderr, flush=True)
            run = {"old": {}, "new": {}}
            for args in CONFIGS[subject]:
                for label, cjd in (("old", old), ("new", new)):
                    if cjd == "-":
                        continue
                    rows, emu = bench(cjd, subject, args, reps)
                    if rows is not None:
                        run[label].update(rows)
                        emulated = emulated or emu
            for label in run:
                if run[label]:
                    got[label].append(run[label])
        print(f"\n## {subject}: median over {runs} runs of the median of {reps}, CPU µs")
        if emulated:
            print(f"EMULATED ({emulated}): times of the emulator, not of a CPU")
        print("| set | W | variant | old | new | new/old |")
        print("|---|---|---|---|---|---|")
        for key in got["new"][0]:
            def med(label):
                vals = [r.get(key) for r in got[label]]
                vals = [v for v in vals if v is not None]
                return statistics.median(vals) / 1e3 if vals else None
            o, n = med("old"), med("new")
            fmt = lambda v: "—" if v is None else f"{v:.1f}"
            ratio = f"{n / o:.2f}" if o and n else "—"
            print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(o)} | {fmt(n)} | {ratio} |")


if __name__ == "__main__":
    main()
