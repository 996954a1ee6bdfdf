#!/usr/bin/python3
"""A local HTTP receiver for the HTTP output's tests: it follows a script of failures (connection
refused, HTTP 500, a request never answered) before it accepts, checks each body against what
Falcosidekick or Splunk HEC require, and logs every request it read as one JSON line.

  http_receiver.py --port-file F --log F [--script STEPS] [--expect ecs|falcosidekick|splunk-hec]
                   [--token T] [--tls CERT KEY] [--release-file F]

STEPS, comma-separated, in order (then every request is accepted with 200):
  refuse:S   nothing listens on the port for S seconds (connections are refused), and with
             --release-file until F exists too (the test creates it once it has seen a refused
             connection: a client slowed down, by valgrind say, still meets the refusal)
  500:N      the next N requests get HTTP 500
  stall:N    the next N requests are read and never answered (the client must time out)
  400:N      the next N requests get HTTP 400 (a permanent refusal)
A body that does not meet --expect gets HTTP 422 and is logged with its problems.
"""
import argparse
import json
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RFC3339_NS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
FALCO_PRIORITIES = {"emergency", "alert", "critical", "error", "warning", "notice",
                    "informational", "debug"}
FALCO_KEYS = {"uuid", "output", "priority", "rule", "time", "output_fields", "source", "tags",
              "hostname"}
HEC_KEYS = {"time", "host", "source", "sourcetype", "index", "event", "fields"}


def check_falcosidekick(body, headers):
    """What falcosidekick's FalcoPayload accepts (types/types.go: Check(), and the handler's
    type assertions on k8s.ns.name / k8s.pod.name)."""
    p = []
    if not isinstance(body, dict):
        return ["not an object"]
    extra = set(body) - FALCO_KEYS
    if extra:
        p.append(f"unknown top-level keys {sorted(extra)}")
    if not isinstance(body.get("priority"), str) or body["priority"].lower() not in FALCO_PRIORITIES:
        p.append(f"priority {body.get('priority')!r} is not a Falco priority")
    if not isinstance(body.get("rule"), str) or not body["rule"]:
        p.append("rule is missing or empty")
    if not isinstance(body.get("time"), str) or not RFC3339_NS.match(body["time"]):
        p.append(f"time {body.get('time')!r} is not RFC 3339")
    of = body.get("output_fields")
    if not isinstance(of, dict) or not of:
        p.append("output_fields is missing or empty")
    else:
        for k in ("k8s.ns.name", "k8s.pod.name"):
            if k in of and not isinstance(of[k], str):
                p.append(f"output_fields[{k}] is not a string")
        for k, v in of.items():
            if isinstance(v, dict):
                p.append(f"output_fields[{k}] is an object (not flat)")
    for k in ("output", "source", "hostname", "uuid"):
        if k in body and not isinstance(body[k], str):
            p.append(f"{k} is not a string")
    if not body.get("output"):
        p.append("output is empty")
    if "tags" in body and not (isinstance(body["tags"], list)
                               and all(isinstance(t, str) for t in body["tags"])):
        p.append("tags is not a list of strings")
    return p


def check_splunk(body, headers, token):
    """Splunk HEC /services/collector/event: an object with a non-empty event, numeric epoch time,
    string metadata, and the token as 'Authorization: Splunk TOKEN'."""
    p = []
    if not isinstance(body, dict):
        return ["not an object"]
    extra = set(body) - HEC_KEYS
    if extra:
        p.append(f"unknown top-level keys {sorted(extra)}")
    if "event" not in body or body["event"] in (None, "", {}):
        p.append("event is missing or empty")
    t = body.get("time")
    if not isinstance(t, (int, float)) or isinstance(t, bool) or t < 1e9:
        p.append(f"time {t!r} is not epoch seconds")
    for k in ("host", "source", "sourcetype", "index"):
        if k in body and not isinstance(body[k], str):
            p.append(f"{k} is not a string")
    if token is not None and headers.get("Authorization") != f"Splunk {token}":
        p.append(f"Authorization is {headers.get('Authorization')!r}")
    return p


class State:
    def __init__(self, steps, expect, token, log):
        self.steps = steps
        self.expect = expect
        self.token = token
        self.log = log
        self.lock = threading.Lock()
        self.n = 0

    def next_action(self):
        with self.lock:
            self.n += 1
            while self.steps:
                kind, count = self.steps[0]
                if kind == "refuse":
                    self.steps.pop(0)
                    continue
                if count <= 0:
                    self.steps.pop(0)
                    continue
                self.steps[0] = (kind, count - 1)
                return kind
            return "200"

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()


def make_handler(state):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def answer(self, code, text):
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            action = state.next_action()
            entry = {"t": time.time(), "path": self.path, "action": action,
                     "event_id_header": self.headers.get("X-Cjd-Event-Id"),
                     "authorization": self.headers.get("Authorization"),
                     "content_type": self.headers.get("Content-Type"),
                     "extra": self.headers.get("X-Extra")}
            try:
                body = json.loads(raw)
            except ValueError as e:
                body = None
                entry["problems"] = [f"not JSON: {e}"]
            entry["body"] = body
            if body is not None:
                if state.expect == "falcosidekick":
                    entry["problems"] = check_falcosidekick(body, self.headers)
                elif state.expect == "splunk-hec":
                    entry["problems"] = check_splunk(body, self.headers, state.token)
                else:
                    entry["problems"] = [] if isinstance(body, dict) else ["not an object"]
            if action == "stall":
                state.record(dict(entry, status=None))
                time.sleep(3600)  # never answer; the client gives up
                return
            if action in ("500", "400"):
                state.record(dict(entry, status=int(action)))
                self.answer(int(action), '{"text":"scripted failure","code":8}')
                return
            if entry["problems"]:
                state.record(dict(entry, status=422))
                self.answer(422, json.dumps({"problems": entry["problems"]}))
                return
            state.record(dict(entry, status=200))
            self.answer(200, '{"text":"Success","code":0}')

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--expect", default="ecs")
    ap.add_argument("--token")
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--release-file")
    a = ap.parse_args()
    steps = []
    for s in filter(None, a.script.split(",")):
        kind, _, val = s.partition(":")
        steps.append((kind, float(val) if kind == "refuse" else int(val)))
    # choose the port now, so connections are refused while nothing listens on it
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    for kind, val in list(steps):
        if kind == "refuse":
            time.sleep(val)
            while a.release_file and not os.path.exists(a.release_file):
                time.sleep(0.01)
    log = open(a.log, "a")
    state = State([s for s in steps if s[0] != "refuse"], a.expect, a.token, log)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".ready", "w") as f:
        f.write("listening\n")
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
