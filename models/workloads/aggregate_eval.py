#!/usr/bin/python3
"""Aggregation across cgroups (issue 13) measured on the corpus: which groups fire.

Usage: aggregate_eval.py [--cjd CJD] [--interval 1s] [--copies 4] > models/eval/aggregate.md

Every multi-cgroup trace of models/data (the spread miners evade-spread4-*, the container
recordings evade-ctr4-* and gzip-ctr4, and for each benign workload of the base corpus
COPIES rotated copies of its one-cgroup recording, models/workloads/copies.py) is resampled
to INTERVAL and put in time order (`cjd trace cat --resample INTERVAL --sort`), then replayed
by `cjd replay` with the shipped sw-default.json as the per-cgroup model and aggregation on:
per host for the traces without container names, per image for the container recordings
(their .identities.json). Each cell is: the group lane's flagged windows, and whether
(and after how long) an aggregate alert fired; "member fired" when a cgroup fired on its
own. Columns: the model scoring groups (the default, which in software mode is the shipped
sw-nosyscalls, i.e. no --aggregate-model; or sw-default, the detector's own model, as
--aggregate-model) and --aggregate-member-max-cpu (0.5, the default, 0.75, and 0: no limit).
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(MODELS, "data")
WL = os.path.join(MODELS, "workloads")


def base_benign():
    out = subprocess.run(
        ["sh", "-c", f'. "{MODELS}/train_options.sh"; echo $BENIGN $BENIGN_REAL_ONLY'],
        capture_output=True, text=True, check=True).stdout.split()
    return [w for w in out if os.path.exists(os.path.join(DATA, f"{w}.real.cjdt.gz"))]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True)


def replay(cjd, trace, kinds, model, max_cpu, ids, tmp):
    summary = os.path.join(tmp, "summary.json")
    # no --model: the shipped models from models/ (CJD_MODEL_DIR), the per-cgroup one by the
    # trace's events (sw-default) and, without --aggregate-model, the default group model
    cmd = [cjd, "replay", "-q", "--aggregate", kinds, "--aggregate-member-max-cpu", max_cpu,
           "--summary-json", summary, trace]
    if model:
        cmd[-3:-3] = ["--aggregate-model", os.path.join(MODELS, model + ".json")]
    if ids:
        cmd[2:2] = ["--identities", ids]
    alerts = subprocess.run(cmd, capture_output=True, text=True, check=True,
                            env=dict(os.environ, CJD_MODEL_DIR=MODELS)).stdout.splitlines()
    rows = json.load(open(summary))
    assert rows["model"]["name"] == "sw-default", rows["model"]
    rows = rows["cgroups"]
    group = [r for r in rows if not r["cgroup"].startswith("/")]
    members = [r for r in rows if r["cgroup"].startswith("/")]
    agg = [json.loads(a) for a in alerts]
    agg = [a for a in agg if a["event"]["action"] == "aggregate_firing"]
    shown = [c.replace(tmp + "/", "$TMP/").replace(os.path.dirname(MODELS) + "/", "")
             for c in cmd]
    return group, members, agg, " ".join(shlex.quote(c) if "$" not in c else c for c in shown)


def cell(group, members, agg):
    if not group:
        return "not scored"
    g = group[0]
    pct = 100.0 * g["windows_flagged"] / g["windows"] if g["windows"] else 0.0
    s = f"{pct:.1f} % of {g['windows']}; "
    s += f"fired at {g['time_to_first_alert_s']:.0f} s" if agg else "did not fire"
    if any(m["alerts"]["firing"] for m in members):
        s += " (member fired)"
    return s


def sums(trace, max_cpu=0.5, window=8):
    """What the group's lane is fed, approximately: the i-th sample of every member summed,
    members above max_cpu CPUs left out (the agent's rounds can pair a member's sample with
    its neighbours' next ones; the shape is the same). Returns a cell describing it."""
    with open(trace) as f:
        names = json.loads(f.readline())["events"]
        per = {}
        for line in f:
            r = json.loads(line)
            if "t_ns" in r:
                per.setdefault(r["cgroup"], []).append(r)
    tc, sc, pf = (names.index(e) for e in ("task-clock", "syscalls", "page-faults"))
    util, sys_rate, pf_rate = [], [], []
    for i in range(min(len(v) for v in per.values())):
        busy = calls = faults = dt = 0
        for v in per.values():
            r = v[i]
            dt = max(dt, r["dt_ns"])
            if max_cpu and r["counts"][tc] > max_cpu * r["dt_ns"]:
                continue
            busy += r["counts"][tc]
            calls += r["counts"][sc]
            faults += r["counts"][pf]
        util.append(busy / dt)
        sys_rate.append(calls * 1e9 / busy if busy else 0.0)
        pf_rate.append(faults * 1e9 / busy if busy else 0.0)
    if not util:
        return "no rounds"
    q = sorted(util)
    means = [sum(util[i:i + window]) / window for i in range(len(util) - window + 1)]
    whole = sum(m >= 0.99997 for m in means)
    return (f"{q[len(q) // 2]:.2f} ({q[len(q) // 10]:.2f}-{q[9 * len(q) // 10]:.2f}) | "
            f"{whole}/{len(means)} | {sorted(sys_rate)[len(q) // 2]:.0f} | "
            f"{sorted(pf_rate)[len(q) // 2]:.0f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cjd", default=os.path.join(os.path.dirname(MODELS), "build", "cjd"))
    ap.add_argument("--interval", default="1s")
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--max-cpu", default="0.5,0.75,0", help="comma list of --aggregate-member-max-cpu")
    o = ap.parse_args()
    cases = []  # (name, trace, kinds, identities, miner)
    for f in sorted(glob.glob(os.path.join(DATA, "evade-spread4-*.real.cjdt.gz"))):
        cases.append((os.path.basename(f).split(".")[0], f, "host", None, True))
    for f in sorted(glob.glob(os.path.join(DATA, "*-ctr4*.real.cjdt.gz"))):
        name = os.path.basename(f).split(".")[0]
        ids = os.path.join(DATA, name + ".identities.json")
        cases.append((name, f, "image", ids, name.startswith("evade-")))
    copies = [(w, os.path.join(DATA, f"{w}.real.cjdt.gz")) for w in base_benign()]
    cols = [(m, c) for m in (None, "sw-default") for c in o.max_cpu.split(",")]
    with tempfile.TemporaryDirectory(prefix="cjd-aggeval-") as tmp:
        print(f"Interval {o.interval}; per-cgroup model sw-default.json; K=3, W=8, threshold 0.5. "
              "Groups scored by the default group model (software mode: sw-nosyscalls.json) "
              "or by sw-default.json (the detector's own model, the default before).\n")
        print("| trace | grouping | " + " | ".join(
            f"{m or 'default (sw-nosyscalls)'}, max cpu {c}" for m, c in cols) + " |")
        print("|---|---|" + "---|" * len(cols))
        rows = [(n, f, k, i, m, None) for n, f, k, i, m in cases]
        rows += [(f"{w} x{o.copies}", f, "host", None, False, w) for w, f in copies]
        fired = {c: [0, 0, 0, 0] for c in cols}  # miners fired, miners, benign fired, benign
        example = None
        shapes = []
        for name, f, kinds, ids, miner, copy_of in rows:
            src = f
            if copy_of:
                src = os.path.join(tmp, "copies.cjdt")
                run([sys.executable, os.path.join(WL, "copies.py"), str(o.copies), f, src])
            trace = os.path.join(tmp, "sorted.cjdt")
            run([o.cjd, "trace", "cat", "--resample", o.interval, "--sort", "-o", trace, src])
            shapes.append((name, miner, sums(trace)))
            cells = []
            for m, c in cols:
                group, members, agg, cmd = replay(o.cjd, trace, kinds, m, c, ids, tmp)
                cells.append(cell(group, members, agg))
                k = fired[(m, c)]
                k[0 if miner else 2] += bool(agg)
                k[1 if miner else 3] += 1
                example = example or cmd
            label = f"`miner/{name}`" if miner else f"`benign/{name}`"
            print(f"| {label} | {kinds} | " + " | ".join(cells) + " |", flush=True)
        print("| **fired** | | " + " | ".join(
            f"miners {k[0]}/{k[1]}, benign {k[2]}/{k[3]}" for k in fired.values()) + " |")
        print(f"\nOne cell's command, from the checkout, on the sorted and resampled trace "
              f"($TMP/sorted.cjdt): `CJD_MODEL_DIR=models {example}`")
        print("\nThe groups' sums at the default member limit (0.5 CPU), per 1 s round: the "
              "CPUs the sum keeps busy (median, 10th-90th percentile), the windows of 8 rounds "
              "whose mean reaches one whole CPU (the first split of both software models is "
              "cpu_util.mean > 0.99997: the miners they learned keep whole CPUs busy), system "
              "calls and page faults per CPU-second (medians). Computed by this script from the "
              "i-th sample of each member, which the agent's rounds approximate.\n")
        print("| trace | CPUs | windows at >= 1 CPU | syscalls per CPU-s | page faults per CPU-s |")
        print("|---|---|---|---|---|")
        for name, miner, shape in shapes:
            print(f"| `{'miner' if miner else 'benign'}/{name}` | {shape} |")


main()
