#!/usr/bin/python3
"""A local syslog receiver for the remote syslog output's tests: TCP or TLS (RFC 5425), RFC 6587
octet-counted frames checked strictly, every message logged as one JSON line.

  syslog_receiver.py --port-file F --log F [--port P] [--tls CERT KEY [--client-ca CA]]

Each log line: {"conn": N, "msg": "...", "peer_cn": "..."} or {"conn": N, "error": "..."} when a
frame breaks the framing (a length with a leading zero or not digits, a missing space, a message
that is not RFC 5424 "<PRI>1 ", a connection closed inside a frame).
"""
import argparse
import json
import os
import re
import socket
import ssl
import sys
import threading

HEADER = re.compile(rb"^<([0-9]{1,3})>1 ")


class Log:
    def __init__(self, path):
        self.f = open(path, "a")
        self.lock = threading.Lock()

    def write(self, entry):
        with self.lock:
            self.f.write(json.dumps(entry) + "\n")
            self.f.flush()


def serve(conn, n, log, peer_cn):
    buf = b""
    try:
        while True:
            # MSG-LEN SP SYSLOG-MSG: MSG-LEN = NONZERO-DIGIT 0*DIGIT
            while b" " not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    if buf:
                        log.write({"conn": n, "error": f"closed inside a frame header: {buf[:40]!r}"})
                    return
                buf += chunk
                if len(buf) > 10 and b" " not in buf[:11]:
                    log.write({"conn": n, "error": f"no length: {buf[:40]!r}"})
                    return
            head, _, rest = buf.partition(b" ")
            if not head.isdigit() or head.startswith(b"0"):
                log.write({"conn": n, "error": f"bad length {head[:20]!r}"})
                return
            need = int(head)
            while len(rest) < need:
                chunk = conn.recv(65536)
                if not chunk:
                    log.write({"conn": n, "error": f"closed inside a frame ({len(rest)} of {need})"})
                    return
                rest += chunk
            msg, buf = rest[:need], rest[need:]
            m = HEADER.match(msg)
            if not m or int(m.group(1)) > 191:
                log.write({"conn": n, "error": f"not RFC 5424: {msg[:60]!r}"})
                return
            if b"\n" in msg:
                log.write({"conn": n, "error": "a newline inside a message"})
            log.write({"conn": n, "msg": msg.decode("utf-8"), "peer_cn": peer_cn})
    except (ConnectionError, ssl.SSLError, OSError) as e:
        log.write({"conn": n, "note": f"connection ended: {e}"})
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.port))
    s.listen(16)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{s.getsockname()[1]}\n")
    os.rename(a.port_file + ".tmp", a.port_file)
    log = Log(a.log)
    n = 0
    while True:
        conn, _ = s.accept()
        n += 1
        peer_cn = None
        if ctx:
            try:
                conn = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log.write({"conn": n, "note": f"TLS handshake failed: {e}"})
                conn.close()
                continue
            cert = conn.getpeercert()
            if cert:
                peer_cn = dict(x[0] for x in cert["subject"]).get("commonName")
        threading.Thread(target=serve, args=(conn, n, log, peer_cn), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
