#!/usr/bin/python3
"""A Bitcoin-family stratum v1 pool and a miner for it, both in Python: a miner family unlike the
corpus's C miner (another language, another protocol: mining.subscribe, mining.authorize,
mining.set_difficulty, mining.notify, mining.submit, as cpuminer and cgminer speak it). The
miner's worker processes run the SHA-256d nonce loop over 80-byte block headers (hashlib, so the
hot code is OpenSSL's), and send the shares they find to the main process, which submits them.

Usage: stratum1.py pool HOST:PORT LOG_FILE            (runs until killed)
       stratum1.py miner HOST:PORT [WORKERS]
"""
import binascii
import hashlib
import json
import multiprocessing as mp
import os
import socket
import struct
import sys
import time

import lineserver

DIFF1 = 0x00000000FFFF0000000000000000000000000000000000000000000000000000


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def notify(n):
    return {"id": None, "method": "mining.notify",
            "params": ["%x" % n, os.urandom(32).hex(), os.urandom(42).hex() + "ffffffff",
                       os.urandom(36).hex(), [os.urandom(32).hex() for _ in range(3)],
                       "20000000", "1703a30c", "%08x" % int(time.time()), True]}


def pool(addr, logfile):
    log = open(logfile, "a", buffering=1)
    t0 = time.monotonic()
    authorized, jobs = {}, [0]

    def send(c, msg, what):
        out = json.dumps(msg).encode() + b"\n"
        c.sendall(out)
        log.write("%9.3f -> %s (%d bytes)\n" % (time.monotonic() - t0, what, len(out)))

    def on_line(c, line):
        msg = json.loads(line)
        m = msg.get("method")
        log.write("%9.3f <- %s (%d bytes)\n" % (time.monotonic() - t0, m, len(line) + 1))
        if m == "mining.subscribe":
            send(c, {"id": msg["id"], "error": None,
                     "result": [[["mining.set_difficulty", "1"], ["mining.notify", "1"]],
                                os.urandom(4).hex(), 4]}, "subscribed")
        elif m == "mining.authorize":
            send(c, {"id": msg["id"], "result": True, "error": None}, "authorized")
            send(c, {"id": None, "method": "mining.set_difficulty", "params": [1 / 1024]},
                 "difficulty")
            jobs[0] += 1
            send(c, notify(jobs[0]), "job")
            authorized[c] = time.monotonic()
        elif m == "mining.submit":
            send(c, {"id": msg["id"], "result": True, "error": None}, "accepted")

    def on_tick():
        now = time.monotonic()
        for c, t in list(authorized.items()):
            if now - t >= 30:
                jobs[0] += 1
                send(c, notify(jobs[0]), "job")
                authorized[c] = now

    lineserver.serve(addr, on_line, on_tick, lambda c: authorized.pop(c, None))


def search(job, extranonce1, diff, first, step, shares):
    """The nonce loop over one job: a header per extranonce2, every nonce of this worker's."""
    job_id, prev, coinb1, coinb2, branch, version, nbits, ntime, _ = job
    target = int(DIFF1 / diff)
    en2 = 0
    while True:
        en2_hex = "%08x" % en2
        coinbase = binascii.unhexlify(coinb1 + extranonce1 + en2_hex + coinb2)
        root = sha256d(coinbase)
        for b in branch:
            root = sha256d(root + binascii.unhexlify(b))
        head = (binascii.unhexlify(version)[::-1] + binascii.unhexlify(prev) + root +
                binascii.unhexlify(ntime)[::-1] + binascii.unhexlify(nbits)[::-1])
        for nonce in range(first, 1 << 20, step):
            h = sha256d(head + struct.pack("<I", nonce))
            if int.from_bytes(h, "little") < target:
                shares.put([job_id, en2_hex, ntime, "%08x" % nonce])
        en2 += 1


def miner(addr, workers):
    host, port = addr.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    f = sock.makefile("rw", buffering=1)
    next_id = [1]

    def send(method, params):
        f.write(json.dumps({"id": next_id[0], "method": method, "params": params}) + "\n")
        f.flush()  # socket.makefile's text file is not line-buffered, whatever buffering says
        next_id[0] += 1

    send("mining.subscribe", ["cjd-stratum1/1.0"])
    sub = json.loads(f.readline())
    extranonce1 = sub["result"][1]
    send("mining.authorize", ["cjd-corpus.worker1", "x"])
    shares = mp.Queue()
    procs, diff, accepted = [], 1.0, 0

    def start(job):
        for p in procs:
            p.terminate()
            p.join()
        procs[:] = [mp.Process(target=search, args=(job, extranonce1, diff, i, workers, shares),
                               daemon=True) for i in range(workers)]
        for p in procs:
            p.start()

    sock.settimeout(0.5)
    buf = b""
    while True:
        try:
            buf += sock.recv(65536)
        except socket.timeout:
            pass
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            msg = json.loads(line)
            if msg.get("method") == "mining.set_difficulty":
                diff = msg["params"][0]
            elif msg.get("method") == "mining.notify":
                start(msg["params"])
            elif msg.get("result") is True:
                accepted += 1
        while not shares.empty():
            send("mining.submit", ["cjd-corpus.worker1"] + shares.get())


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "pool":
        pool(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "miner":
        miner(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
