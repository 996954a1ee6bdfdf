#!/bin/sh
# Miner: Bitcoin-family stratum v1 (mining.subscribe/authorize/notify/submit) SHA-256d miner written in Python
# (hashlib), 2 worker processes, talking to a stratum v1 pool (src/stratum1.py) in a network namespace.
# Another language and another pool protocol than the corpus's C miner (written after the verdict's rule).
# Usage: stratum1-py.sh real   (see lib.sh)
set -u
WL_POOL=own # its pool speaks stratum v1, started below in its own network namespace
. "$(dirname "$0")/lib.sh"
wl_init miner stratum1-py "${1:-}"
wl_netns_up
ip netns exec "$WL_NS" "$PY" "$WL_DIR/src/stratum1.py" pool "$WL_NS_IP:3333" "$WL_TMP/pool.log" \
	2>"$WL_TMP/pool.err" &
pool=$!
WL_CLEANUP="kill $pool 2>/dev/null; wait $pool 2>/dev/null"
wl_wait_port 3333 "$pool" "$WL_TMP/pool.err"
wl_record -- "$PY" "$WL_DIR/src/stratum1.py" miner "$WL_NS_IP:3333" 2
wl_say "pool: $(grep -c '<- mining.submit' "$WL_TMP/pool.log") shares submitted, $(grep -c -- '-> job' "$WL_TMP/pool.log") jobs sent"
