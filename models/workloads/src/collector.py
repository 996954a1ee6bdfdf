#!/usr/bin/python3
"""The coordinator heartbeat.py reports to: answers each JSON line, hands out work units, logs
every message with its size. Usage: collector.py HOST:PORT LOG_FILE (runs until killed)."""
import json
import sys
import time

import lineserver


def main():
    log = open(sys.argv[2], "a", buffering=1)
    t0 = time.monotonic()
    units = [0]

    def on_line(c, line):
        try:
            op = json.loads(line).get("op")
        except ValueError:
            op = None
        reply = {"ok": op is not None}
        if op in ("hello", "work"):
            units[0] += 1
            reply["unit"] = {"id": units[0], "seed": 1000 * units[0]}
        out = json.dumps(reply).encode() + b"\n"
        c.sendall(out)
        log.write("%9.3f <- %s (%d bytes) -> %d bytes\n"
                  % (time.monotonic() - t0, op, len(line) + 1, len(out)))

    def on_close(c):
        log.write("%9.3f closed\n" % (time.monotonic() - t0))

    lineserver.serve(sys.argv[1], on_line, on_close=on_close)


if __name__ == "__main__":
    main()
