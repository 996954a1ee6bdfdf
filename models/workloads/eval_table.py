#!/usr/bin/python3
"""Markdown tables for models/README.md from the `cjd eval --json` reports in models/eval/.

Usage: eval_table.py EVAL_DIR > EVAL_DIR/tables.md

Reads <m>-lowo.json, <m>-train.json and <m>-heldout.json for m in hw, sw, sw-nosys (those
present), and sets sw and sw-nosys side by side.
Runs are named "<trace>:<cgroup>:<label>[@<interval>][#<segment>]" by cjd eval; the
interval part splits the software model's figures by agent interval ("native" = as
recorded, 100 ms for the real corpus).
"""
import json
import os
import re
import sys

RUN = re.compile(r"@([0-9a-z.]+)(?:#\d+)?$")


def interval(run_name):
    m = RUN.search(run_name)
    return m.group(1) if m else "native"


def order(ivl):
    """Sort key: native first, then by duration."""
    if ivl == "native":
        return 0.0
    m = re.match(r"([0-9.]+)(ms|s|m)$", ivl)
    return float(m.group(1)) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)] if m else 1e9


def split(report):
    """{interval: {workload: {class, windows, flagged, runs, fired, slowest}}}"""
    out = {}
    for w in report["workloads"]:
        for r in w["runs"]:
            ivl = interval(r["name"])
            cell = out.setdefault(ivl, {}).setdefault(
                w["name"], {"class": w["class"], "windows": 0, "flagged": 0, "runs": 0,
                            "fired": 0, "slowest": None})
            cell["windows"] += r["windows"]
            cell["flagged"] += r["flagged"]
            cell["runs"] += 1
            if r["fired"]:
                cell["fired"] += 1
                fw = r["fire_window"]
                cell["slowest"] = fw if cell["slowest"] is None else max(cell["slowest"], fw)
    return out


def pct(a, b):
    return "%.1f %%" % (100.0 * a / b) if b else "-"


def cell_text(c):
    rate = pct(c["flagged"], c["windows"])
    kind = "TPR" if c["class"] == "miner" else "FPR"
    if c["runs"] == 1:
        fired = "fired at window %d" % c["slowest"] if c["fired"] else "did not fire"
    else:
        fired = "%d/%d runs fired" % (c["fired"], c["runs"])
        if c["fired"]:
            fired += " (slowest at window %d)" % c["slowest"]
    return "%s %s of %d; %s" % (kind, rate, c["windows"], fired)


def pooled(cells):
    tp = sum(c["flagged"] for c in cells if c["class"] == "miner")
    pos = sum(c["windows"] for c in cells if c["class"] == "miner")
    fp = sum(c["flagged"] for c in cells if c["class"] == "benign")
    neg = sum(c["windows"] for c in cells if c["class"] == "benign")
    mr = sum(c["runs"] for c in cells if c["class"] == "miner")
    mf = sum(c["fired"] for c in cells if c["class"] == "miner")
    br = sum(c["runs"] for c in cells if c["class"] == "benign")
    bf = sum(c["fired"] for c in cells if c["class"] == "benign")
    slow = max([c["slowest"] for c in cells if c["class"] == "miner" and c["slowest"]] or [0])
    return tp, pos, fp, neg, mr, mf, br, bf, slow


def table(title, report):
    parts = split(report)
    ivls = sorted(parts, key=order)
    names = [w["name"] for w in report["workloads"]]
    names.sort(key=lambda n: (0 if n.startswith("miner") else 1, n))
    print("#### %s\n" % title)
    print("| workload | " + " | ".join(ivls) + " |")
    print("|---|" + "---|" * len(ivls))
    for n in names:
        row = [cell_text(parts[i][n]) if n in parts[i] else "-" for i in ivls]
        print("| `%s` | %s |" % (n, " | ".join(row)))
    row = []
    for i in ivls:
        tp, pos, fp, neg, mr, mf, br, bf, slow = pooled(list(parts[i].values()))
        s = "TPR %s (%d/%d)" % (pct(tp, pos), tp, pos)
        if neg:
            s += ", FPR %s (%d/%d)" % (pct(fp, neg), fp, neg)
        s += "; miner runs fired %d/%d" % (mf, mr)
        if mf:
            s += " (slowest at window %d)" % slow
        if br:
            s += "; benign runs fired %d/%d" % (bf, br)
        row.append(s)
    print("| **pooled** | %s |" % " | ".join(row))
    auc = report.get("auc")
    print("\nAll intervals together: window TPR %.2f %%, FPR %.3f %%, ROC AUC %s; "
          "confusion tp %d, fn %d, fp %d, tn %d.\n"
          % (100 * report["tpr"], 100 * report["fpr"],
             "%.4f" % auc if auc is not None else "undefined (one class)",
             report["confusion"]["tp"], report["confusion"]["fn"],
             report["confusion"]["fp"], report["confusion"]["tn"]))


def evasion_summary(d):
    """One row per evasion (and throttled miner): hw (simulated), sw and sw-nosys (real) side
    by side, at the intervals an agent would use (hw: 50 ms of simulated time; sw: 1 s and
    200 ms)."""
    cols = [("hw", "native"), ("hw", "50ms"), ("sw", "200ms"), ("sw", "1s"),
            ("sw-nosys", "200ms"), ("sw-nosys", "1s")]
    parts = {}
    for m in ("hw", "sw", "sw-nosys"):
        p = os.path.join(d, "%s-heldout.json" % m)
        if os.path.exists(p):
            with open(p) as f:
                parts[m] = split(json.load(f))
    if not parts:
        return
    names = sorted({n for m in parts.values() for i in m.values() for n in i})
    print("#### Evasions and throttled miners: the shipped models, side by side\n")
    print("Each cell: window TPR; runs that fired / runs. \"-\": no trace in that mode.\n")
    print("| workload | " + " | ".join("%s %s" % c for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for n in names:
        row = []
        for m, ivl in cols:
            c = parts.get(m, {}).get(ivl, {}).get(n)
            row.append("%s; %d/%d" % (pct(c["flagged"], c["windows"]), c["fired"], c["runs"])
                       if c else "-")
        print("| `%s` | %s |" % (n, " | ".join(row)))
    print()


def side_by_side(d, models):
    """Pooled leave-one-workload-out figures of models (eval prefixes) per interval, side by
    side: what dropping a feature group costs."""
    reports = {}
    for m in models:
        p = os.path.join(d, "%s-lowo.json" % m)
        if os.path.exists(p):
            with open(p) as f:
                reports[m] = split(json.load(f))
    if len(reports) < 2:
        return
    ivls = sorted({i for r in reports.values() for i in r}, key=order)
    print("#### %s: leave-one-workload-out, pooled, side by side\n" % " and ".join(reports))
    print("| interval | " + " | ".join(reports) + " |")
    print("|---|" + "---|" * len(reports))
    for i in ivls:
        row = []
        for m in reports:
            cells = list(reports[m].get(i, {}).values())
            if not cells:
                row.append("-")
                continue
            tp, pos, fp, neg, mr, mf, br, bf, _ = pooled(cells)
            row.append("TPR %s, FPR %s; miner runs fired %d/%d, benign runs fired %d/%d"
                       % (pct(tp, pos), pct(fp, neg), mf, mr, bf, br))
        print("| %s | %s |" % (i, " | ".join(row)))
    print()


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "eval")
    titles = {"lowo": "leave-one-workload-out (each workload scored by a model trained without it)",
              "train": "the shipped model on its own training traces (not a generalisation figure)",
              "heldout": "the shipped model on traces it was not trained on (evasions; sw: "
                         "also the throttled miners)"}
    for m in ("hw", "sw", "sw-nosys"):
        for kind in ("lowo", "train", "heldout"):
            p = os.path.join(d, "%s-%s.json" % (m, kind))
            if os.path.exists(p):
                with open(p) as f:
                    table("%s model: %s" % (m, titles[kind]), json.load(f))
    side_by_side(d, ("sw", "sw-nosys"))
    evasion_summary(d)


if __name__ == "__main__":
    main()
