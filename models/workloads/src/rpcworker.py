#!/usr/bin/python3
"""Benign: a batch worker and its coordinator speaking JSON-RPC 2.0 over one long-lived TCP
connection, with a job queue's ordinary words: the worker logs in ("method": "login"), is handed
jobs ({"job_id", "blob": base64 input}), reports progress with "method": "submit" every few
seconds, and the coordinator pushes a new job ("method": "job") every 30 s. Its worker processes
compute SHA-256 digests of the job's data (a deduplicating backup or content-addressed store
verifying chunks), flat on every CPU. The shape of a CryptoNote stratum client and four of the
stratum probe's generic markers, without mining: the hard case for the stratum probe.

Usage: rpcworker.py coordinator HOST:PORT LOG_FILE     (runs until killed)
       rpcworker.py worker HOST:PORT [WORKERS] [PROGRESS_SECONDS]
"""
import base64
import hashlib
import json
import multiprocessing as mp
import os
import socket
import sys
import time

import lineserver


def new_job(n):
    return {"job_id": "chunkset-%06d" % n, "blob": base64.b64encode(os.urandom(48)).decode(),
            "chunks": 4096, "chunk_size": 65536}


def coordinator(addr, logfile):
    log = open(logfile, "a", buffering=1)
    t0 = time.monotonic()
    jobs, last_job = [0], {}

    def on_line(c, line):
        try:
            msg = json.loads(line)
            method = msg.get("method")
        except ValueError:
            msg, method = {}, None
        if method == "login":
            jobs[0] += 1
            result = {"session": "s%d" % jobs[0], "job": new_job(jobs[0])}
            last_job[c] = time.monotonic()
        elif method == "submit":
            result = {"status": "ok"}
        else:
            result = None
        reply = {"jsonrpc": "2.0", "id": msg.get("id"), "result": result}
        if result is None:
            reply = {"jsonrpc": "2.0", "id": msg.get("id"),
                     "error": {"code": -32601, "message": "Method not found"}}
        out = json.dumps(reply).encode() + b"\n"
        c.sendall(out)
        log.write("%9.3f <- %s (%d bytes) -> %d bytes\n"
                  % (time.monotonic() - t0, method, len(line) + 1, len(out)))

    def on_tick():
        now = time.monotonic()
        for c, t in list(last_job.items()):
            if now - t >= 30:
                jobs[0] += 1
                out = json.dumps({"jsonrpc": "2.0", "method": "job",
                                  "params": new_job(jobs[0])}).encode() + b"\n"
                c.sendall(out)
                last_job[c] = now
                log.write("%9.3f -> job (%d bytes)\n" % (now - t0, len(out)))

    def on_close(c):
        last_job.pop(c, None)
        log.write("%9.3f closed\n" % (time.monotonic() - t0))

    lineserver.serve(addr, on_line, on_tick, on_close)


def verify(seed, index, counter):
    """Digests of the job's chunks: each chunk derived from the seed, hashed in 64 KiB pieces."""
    data = bytearray(hashlib.sha256(seed + bytes([index])).digest() * 2048)  # 64 KiB
    n = 0
    while True:
        d = hashlib.sha256(data).digest()
        data[0:32] = d
        n += 1
        if n % 64 == 0:
            with counter.get_lock():
                counter.value += 64


def worker(addr, workers, every):
    host, port = addr.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    f = sock.makefile("rw", buffering=1)
    next_id = [1]
    pending = []  # notifications that came while waiting for a reply

    def call(method, params):
        msg = {"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params}
        next_id[0] += 1
        f.write(json.dumps(msg) + "\n")
        f.flush()  # socket.makefile's text file is not line-buffered, whatever buffering says
        while True:
            reply = json.loads(f.readline())
            if "id" in reply and reply["id"] == msg["id"]:
                return reply
            pending.append(reply)

    job = call("login", {"worker": "verify-%d" % os.getpid(), "token": "t0ken",
                         "agent": "chunkverify/2.3"})["result"]["job"]
    counter = mp.Value("q", 0)
    procs = []

    def start(j):
        for p in procs:
            p.terminate()
            p.join()
        seed = base64.b64decode(j["blob"])
        procs[:] = [mp.Process(target=verify, args=(seed, i, counter), daemon=True)
                    for i in range(workers)]
        for p in procs:
            p.start()

    start(job)
    sock.setblocking(False)
    buf = b""
    while True:
        time.sleep(every)
        try:
            buf += sock.recv(65536)
        except BlockingIOError:
            pass
        lines = [json.loads(x) for x in buf.split(b"\n")[:-1]] + pending
        buf, pending[:] = buf.split(b"\n")[-1], []
        for m in lines:
            if m.get("method") == "job":
                job = m["params"]
                start(job)
        sock.setblocking(True)
        call("submit", {"job_id": job["job_id"], "chunks_verified": counter.value,
                        "digest": hashlib.sha256(str(counter.value).encode()).hexdigest()})
        sock.setblocking(False)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "coordinator":
        coordinator(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "worker":
        worker(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2,
               float(sys.argv[4]) if len(sys.argv) > 4 else 5.0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
