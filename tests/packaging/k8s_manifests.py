#!/usr/bin/python3
# The Kubernetes manifests (packaging/k8s), statically: yamllint, then what must agree across them
# for a cluster to work, since no cluster runs here: one namespace, the Service selecting the
# DaemonSet's pods and naming its ports, the agent's --publish/--metrics-listen args binding the
# container ports on the pod's address, the probes on the metrics port and paths the agent serves,
# the ServiceMonitor selecting the Service's metrics port, the kustomization listing the files.
import glob, os, re, shutil, subprocess, sys

try:
    import yaml
except ImportError:
    print("skip: python3-yaml is not installed")
    sys.exit(77)

src = os.environ.get("CJD_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
k8s = os.path.join(src, "packaging", "k8s")
fails = 0


def check(cond, msg):
    global fails
    print(("ok  " if cond else "FAIL"), msg)
    if not cond:
        fails += 1


files = sorted(glob.glob(os.path.join(k8s, "*.yaml")))
if shutil.which("yamllint"):
    r = subprocess.run(["yamllint", "-f", "parsable", "-c", os.path.join(k8s, ".yamllint")] + files,
                       capture_output=True, text=True)
    check(r.returncode == 0, "yamllint %s%s" % (" ".join(os.path.basename(f) for f in files),
                                                 ("\n" + r.stdout + r.stderr) if r.returncode else ""))
else:
    print("skip yamllint: not installed (Debian package yamllint)")

docs = {}
for f in files:
    for d in yaml.safe_load_all(open(f)):
        if d:
            docs.setdefault(d["kind"], []).append((os.path.basename(f), d))
kinds = {k: len(v) for k, v in docs.items()}
check(kinds == {"Namespace": 1, "DaemonSet": 1, "Service": 1, "ServiceMonitor": 1,
                "Kustomization": 1}, "one of each object: %s" % kinds)
ns = docs["Namespace"][0][1]["metadata"]["name"]
for kind, objs in docs.items():
    for f, d in objs:
        if kind not in ("Namespace", "Kustomization"):
            check(d["metadata"].get("namespace") == ns, "%s %s (%s) is in namespace %s" %
                  (kind, d["metadata"]["name"], f, ns))

ds = docs["DaemonSet"][0][1]
tmpl = ds["spec"]["template"]
pod_labels = tmpl["metadata"]["labels"]
check(ds["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(),
      "the DaemonSet's selector matches its pods' labels %s" % pod_labels)
c = tmpl["spec"]["containers"][0]
ports = {p["name"]: p for p in c.get("ports", [])}
args = c.get("args", [])


def arg(flag):
    return args[args.index(flag) + 1] if flag in args else None


# the agent binds what the container declares, on the pod's address
listen = arg("--metrics-listen")
m = re.fullmatch(r"(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):(\d+)", listen or "")
check(m and "metrics" in ports and int(m.group(2)) == ports["metrics"]["containerPort"],
      "--metrics-listen %s binds containerPort metrics (%s)" % (listen, ports.get("metrics", {}).get("containerPort")))
check(m and m.group(1) in ("0.0.0.0", "[::]"),
      "--metrics-listen is on the pod's address, not loopback (kubelet and Prometheus reach it): %s" % listen)
pub = arg("--publish") or ""
check("alerts" in ports and pub.endswith(":%d" % ports["alerts"]["containerPort"]) and "127.0.0.1" not in pub,
      "--publish %s binds containerPort alerts" % pub)

# probes: the agent's paths, on the metrics port, in plain HTTP as the shipped args serve it (with
# metrics.tls_cert set in a configuration file, a probe needs `scheme: HTTPS`: docs/metrics.md)
want = {"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/readyz"}
for probe, path in want.items():
    p = c.get(probe, {}).get("httpGet")
    if probe == "startupProbe" and p is None:
        continue
    port = p and p.get("port")
    port_ok = port == "metrics" or port == ports.get("metrics", {}).get("containerPort")
    check(p and p.get("path") == path and port_ok and p.get("scheme", "HTTP") == "HTTP",
          "%s: GET %s on port %s" % (probe, p and p.get("path"), port))
server = open(os.path.join(src, "metrics", "http.c")).read()
for path in set(want.values()):
    check('"%s"' % path in server, "the agent serves %s (metrics/http.c)" % path)
live = c["livenessProbe"]
check(live.get("periodSeconds", 10) * live.get("failureThreshold", 3) >= 20,
      "liveness tolerates a slow loop for %d s before a restart" %
      (live.get("periodSeconds", 10) * live.get("failureThreshold", 3)))

# the Service selects these pods and names their ports
svc = docs["Service"][0][1]
check(svc["spec"]["selector"].items() <= pod_labels.items(),
      "Service %s selects the DaemonSet's pods" % svc["metadata"]["name"])
check(svc["spec"].get("clusterIP") == "None", "Service is headless (every pod's alerts and metrics)")
svc_ports = {p["name"]: p for p in svc["spec"]["ports"]}
for name, p in svc_ports.items():
    tp = p.get("targetPort", p["port"])
    cp = ports.get(tp) if isinstance(tp, str) else next((q for q in ports.values() if q["containerPort"] == tp), None)
    check(cp is not None and cp.get("protocol", "TCP") == p.get("protocol", "TCP"),
          "Service port %s -> container port %s" % (name, tp))
check({"alerts", "metrics"} <= svc_ports.keys(), "Service carries alerts and metrics: %s" % sorted(svc_ports))

# the ServiceMonitor selects that Service and scrapes its metrics port
sm = docs["ServiceMonitor"][0][1]
check(sm["apiVersion"] == "monitoring.coreos.com/v1", "ServiceMonitor apiVersion %s" % sm["apiVersion"])
check(sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"].get("labels", {}).items(),
      "ServiceMonitor selects Service %s by its labels" % svc["metadata"]["name"])
check(svc["metadata"]["namespace"] in sm["spec"].get("namespaceSelector", {}).get("matchNames", [sm["metadata"]["namespace"]]),
      "ServiceMonitor looks in the Service's namespace")
for ep in sm["spec"]["endpoints"]:
    check(ep.get("port") in svc_ports and ep.get("path", "/metrics") == "/metrics",
          "ServiceMonitor endpoint port %s path %s" % (ep.get("port"), ep.get("path")))

kus = docs["Kustomization"][0][1]
check(set(kus["resources"]) == {"daemonset.yaml", "service.yaml"} and
      all(os.path.exists(os.path.join(k8s, r)) for r in kus["resources"]),
      "kustomization lists daemonset.yaml and service.yaml (the ServiceMonitor needs the operator's CRDs)")
sys.exit(1 if fails else 0)
