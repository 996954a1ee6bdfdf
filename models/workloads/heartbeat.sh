#!/bin/sh
# Benign: a compute client with a long-lived TCP connection (volunteer computing / a batch worker): two
# worker processes compute while the main one sends a small progress line every 5 s and fetches a work
# unit every 30 s from a collector in a network namespace (over a veth pair, as the miners reach their pool).
# Usage: heartbeat.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign heartbeat "${1:-}"
wl_netns_up
ip netns exec "$WL_NS" "$PY" "$WL_DIR/src/collector.py" "$WL_NS_IP:4000" "$WL_TMP/collector.log" \
	2>"$WL_TMP/collector.err" &
coll=$!
WL_CLEANUP="kill $coll 2>/dev/null; wait $coll 2>/dev/null"
wl_wait_port 4000 "$coll" "$WL_TMP/collector.err"
wl_record -- "$PY" "$WL_DIR/src/heartbeat.py" "$WL_NS_IP:4000" 2 5
wl_say "collector: $(grep -c '<- progress' "$WL_TMP/collector.log") progress lines, $(grep -c '<- work' "$WL_TMP/collector.log") work units fetched"
