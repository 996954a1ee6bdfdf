#!/usr/bin/python3
"""Benign compute client with a long-lived TCP connection, as volunteer computing (BOINC) or a
batch worker reporting to its coordinator: N worker processes compute (a Monte Carlo photon
transport, pure Python), the main process keeps one TCP connection to the collector, sends a
small progress line every few seconds and fetches a new work unit every 30 s. The shape of a
stratum client (flat compute plus small, regular messages on one connection), without mining.

Usage: heartbeat.py HOST:PORT [WORKERS] [PROGRESS_SECONDS]
"""
import json
import math
import multiprocessing as mp
import random
import socket
import sys
import time


def photons(unit, seed, counter):
    """Random walks of photons through a slab: absorbed, reflected or transmitted."""
    rnd = random.Random(seed)
    n = 0
    while True:
        x, mu, w = 0.0, 1.0, 1.0
        while w > 1e-4:
            step = -math.log(1.0 - rnd.random()) / 10.0
            x += mu * step
            if x < 0 or x > 1:
                break
            w *= 0.9
            mu = 2.0 * rnd.random() - 1.0
        n += 1
        if n % 2000 == 0:
            with counter.get_lock():
                counter.value += 2000


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    every = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    sock = socket.create_connection((host, int(port)))
    f = sock.makefile("rw", buffering=1)

    def call(msg):
        f.write(json.dumps(msg) + "\n")
        return json.loads(f.readline())

    unit = call({"op": "hello", "client": "cjd-heartbeat", "workers": workers})["unit"]
    counter = mp.Value("q", 0)
    procs = []

    def start(u):
        for p in procs:
            p.terminate()
            p.join()
        procs[:] = [mp.Process(target=photons, args=(u["id"], u["seed"] + i, counter), daemon=True)
                    for i in range(workers)]
        for p in procs:
            p.start()

    start(unit)
    last_unit = time.monotonic()
    while True:
        time.sleep(every)
        call({"op": "progress", "unit": unit["id"], "photons": counter.value})
        if time.monotonic() - last_unit >= 30:
            call({"op": "result", "unit": unit["id"], "photons": counter.value})
            unit = call({"op": "work"})["unit"]
            start(unit)
            last_unit = time.monotonic()


if __name__ == "__main__":
    main()
