#!/usr/bin/python3
"""Benign idle service: a status agent that wakes every 20 ms, reads /proc, appends a JSON line."""
import json
import sys
import time


def main():
    with open(sys.argv[1], "a") as log:
        seq = 0
        while True:
            with open("/proc/loadavg") as f:
                load = f.read().split()
            with open("/proc/self/status") as f:
                rss = next((line.split()[1] for line in f if line.startswith("VmRSS")), "0")
            seq += 1
            log.write(json.dumps({"seq": seq, "load1": float(load[0]), "rss_kb": int(rss)}) + "\n")
            if seq % 50 == 0:
                log.flush()
                log.truncate(0) if log.tell() > 1 << 20 else None
            time.sleep(0.02)


if __name__ == "__main__":
    main()
