#!/bin/sh
# Benign: a batch worker (a backup store verifying chunk digests with SHA-256, 2 worker processes)
# speaking JSON-RPC 2.0 to its coordinator in a network namespace over one long-lived connection:
# "method": "login", jobs with "job_id" and a base64 "blob", "method": "submit" progress every 5 s, a
# pushed "method": "job" every 30 s. A stratum client's shape and words, without mining: the stratum
# probe's hard case (src/rpcworker.py).
# Usage: rpc-worker.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign rpc-worker "${1:-}"
wl_netns_up
ip netns exec "$WL_NS" "$PY" "$WL_DIR/src/rpcworker.py" coordinator "$WL_NS_IP:4000" \
	"$WL_TMP/coordinator.log" 2>"$WL_TMP/coordinator.err" &
coord=$!
WL_CLEANUP="kill $coord 2>/dev/null; wait $coord 2>/dev/null"
wl_wait_port 4000 "$coord" "$WL_TMP/coordinator.err"
wl_record -- "$PY" "$WL_DIR/src/rpcworker.py" worker "$WL_NS_IP:4000" 2 5
wl_say "coordinator: $(grep -c '<- submit' "$WL_TMP/coordinator.log") progress reports, $(grep -c -- '-> job' "$WL_TMP/coordinator.log") jobs pushed"
