#!/usr/bin/python3
"""Benign CPython workload: tokenise text, count words, regex-scan logs, JSON round trips; forever."""
import collections
import json
import re
import sys

LOG = re.compile(r"host(\d+) app\[(\d+)\]: (.*) id=(\d+) latency_ms=(\d+) status=(\d+)")


def main():
    with open(sys.argv[1]) as f:
        lines = [f.readline() for _ in range(60000)]
    rounds = 0
    while True:
        words = collections.Counter()
        hosts = collections.defaultdict(list)
        for line in lines:
            m = LOG.search(line)
            if m:
                hosts[m.group(1)].append(int(m.group(5)))
            else:
                words.update(w.strip(".").lower() for w in line.split())
        summary = {h: {"n": len(v), "p50": sorted(v)[len(v) // 2]} for h, v in hosts.items()}
        blob = json.dumps({"top": words.most_common(50), "hosts": summary})
        assert json.loads(blob)["hosts"] == summary
        rounds += 1


if __name__ == "__main__":
    main()
