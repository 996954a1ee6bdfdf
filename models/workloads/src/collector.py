#!/usr/bin/python3
"""The coordinator heartbeat.py reports to: answers each JSON line, hands out work units, logs
every message with its size. Usage: collector.py HOST:PORT LOG_FILE (runs until killed)."""
import json
import selectors
import socket
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    log = open(sys.argv[2], "a", buffering=1)
    t0 = time.monotonic()
    units = 0
    srv = socket.create_server((host, int(port)))
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    bufs = {}
    while True:
        for key, _ in sel.select():
            if key.fileobj is srv:
                c, _ = srv.accept()
                bufs[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            c = key.fileobj
            data = c.recv(4096)
            if not data:
                sel.unregister(c)
                del bufs[c]
                c.close()
                log.write("%9.3f closed\n" % (time.monotonic() - t0))
                continue
            bufs[c] += data
            while b"\n" in bufs[c]:
                line, bufs[c] = bufs[c].split(b"\n", 1)
                try:
                    op = json.loads(line).get("op")
                except ValueError:
                    op = None
                reply = {"ok": op is not None}
                if op in ("hello", "work"):
                    units += 1
                    reply["unit"] = {"id": units, "seed": 1000 * units}
                out = json.dumps(reply).encode() + b"\n"
                c.sendall(out)
                log.write("%9.3f <- %s (%d bytes) -> %d bytes\n"
                          % (time.monotonic() - t0, op, len(line) + 1, len(out)))


if __name__ == "__main__":
    main()
