#!/bin/sh
# SIGHUP reloads the configuration and model atomically: an invalid file or model is rejected
# with a located error and the agent keeps running on the old one; a valid one takes effect.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
if [ "$(id -u)" -ne 0 ]; then echo "skip: cjd run needs root (or CAP_PERFMON) to count"; exit 77; fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
model="$CJD_SOURCE_DIR/tests/detector/data/good/sw-test.json"
write_cfg() {
	cat > "$tmp/cjd.json" <<JSON
{
  "collector": {"interval": "$2", "include": ["/cjd-reload-none-*"]},
  "detector": {"model": "$3", "threshold": $1},
  "publish": {"endpoints": ["ipc://$tmp/a.sock"]},
  "metrics": {"listen": "127.0.0.1:0"},
  "journal": {"path": "$tmp/j.jsonl"}
}
JSON
}
# waits up to 5 s for PATTERN to appear in the agent's stderr
wait_for() {
	for _ in $(seq 50); do grep -q -- "$1" "$tmp/err" && return 0; sleep 0.1; done
	echo "FAIL: no '$1' in:"; sed 's/^/    /' "$tmp/err"; fail=1; return 1
}

write_cfg 0.9 200ms "$model"
"$CJD_BIN" run --config "$tmp/cjd.json" 2> "$tmp/err" &
pid=$!
wait_for "publishing alerts on ipc://" || exit 1

# 1. a wrong type: rejected with file:line:column, the agent keeps running
printf '{\n  "detector": {"threshold": "high"}\n}\n' > "$tmp/cjd.json"
kill -HUP "$pid"
wait_for "reload rejected, the running configuration stays: $tmp/cjd.json:2:29: detector.threshold must be a number" &&
	kill -0 "$pid" && echo "ok   invalid file rejected, still running"

# 2. a broken model: rejected too
printf '{"format": "cjd-model"' > "$tmp/broken.json"
write_cfg 0.9 200ms "$tmp/broken.json"
kill -HUP "$pid"
wait_for "reload rejected, the running configuration stays: $tmp/broken.json" &&
	kill -0 "$pid" && echo "ok   broken model rejected, still running"

# 3. a valid change takes effect; one that needs a restart says so
write_cfg 0.7 500ms "$model"
kill -HUP "$pid"
wait_for "reloaded: model sw-test" && echo "ok   valid reload applied"
wait_for "collector.interval changed; it takes effect after a restart" && echo "ok   restart-only key reported"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { echo "FAIL: exit $rc after SIGTERM"; fail=1; }
exit $fail
