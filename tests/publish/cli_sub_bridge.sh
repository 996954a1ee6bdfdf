#!/bin/sh
# `cjd sub` as a bridge: the journal (and live alerts) forwarded over HTTP and remote syslog, LEEF
# on stdout, a receiver that never answers reported with exit 1, and the bridge's usage errors.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 is missing"; exit 77; }
tmp=$(mktemp -d /tmp/cjd-sub-bridge-XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }

cd "$CJD_SOURCE_DIR"
"$CJD_BIN" replay -q --model models/sw-default.json --journal "$tmp/j.jsonl" \
	docs/examples/alert-example.cjdt >/dev/null || fail "replay"
n=$(wc -l < "$tmp/j.jsonl")
[ "$n" -eq 2 ] || fail "the example trace journals $n alerts, not 2"

# LEEF on stdout: one line per alert, the LEEF 2.0 header, tab-separated attributes
"$CJD_BIN" sub -q --since all --journal "$tmp/j.jsonl" --format leef > "$tmp/leef" || fail "sub --format leef"
[ "$(wc -l < "$tmp/leef")" -eq 2 ] || fail "LEEF lines"
grep -q '^LEEF:2.0|cjd|cjd|[^|]*|alert.firing|x09|cat=cryptomining	sev=5	devTime=' "$tmp/leef" \
	|| fail "LEEF header: $(head -1 "$tmp/leef")"

# HTTP, Falcosidekick bodies, everything from the journal
python3 tests/publish/http_receiver.py --port-file "$tmp/hport" --log "$tmp/hlog" \
	--expect falcosidekick & pids="$pids $!"
wait_file "$tmp/hport.ready" || fail "the HTTP receiver did not start"
url="http://127.0.0.1:$(cat "$tmp/hport")/falco"
"$CJD_BIN" sub --since all --journal "$tmp/j.jsonl" --http "$url" --http-format falcosidekick \
	2> "$tmp/err" > "$tmp/out" || fail "sub --http exited $?: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "a forwarding sub printed on stdout"
grep -q "2 messages sent" "$tmp/err" || fail "no summary: $(cat "$tmp/err")"
[ "$(grep -c '"status": 200' "$tmp/hlog")" -eq 2 ] || fail "the receiver accepted: $(cat "$tmp/hlog")"

# remote syslog over TCP, LEEF in MSG
python3 tests/publish/syslog_receiver.py --port-file "$tmp/sport" --log "$tmp/slog" & pids="$pids $!"
wait_file "$tmp/sport" || fail "the syslog receiver did not start"
"$CJD_BIN" sub -q --since all --journal "$tmp/j.jsonl" --syslog-remote "127.0.0.1:$(cat "$tmp/sport")" \
	--syslog-format leef || fail "sub --syslog-remote exited $?"
i=0; while [ "$(grep -c '"msg"' "$tmp/slog" 2>/dev/null)" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(grep -c '"msg": "<28>1 .* cjd - alert.firing - LEEF:2.0|cjd|cjd|' "$tmp/slog")" -eq 1 ] \
	|| fail "syslog receiver log: $(cat "$tmp/slog")"
! grep -q '"error"' "$tmp/slog" || fail "framing errors: $(grep error "$tmp/slog")"

# nothing listens: every attempt fails until the 10 s drain is over; exit 1, the loss said
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CJD_BIN" sub -q --since all --journal "$tmp/j.jsonl" --http "http://127.0.0.1:$port/" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "an unreachable receiver: exit $rc, not 1"
grep -q "0 sent, 0 refused by the receiver, 2 not delivered" "$tmp/err" || fail "$(cat "$tmp/err")"

# usage errors
"$CJD_BIN" sub --http-format splunk-hec 2>/dev/null; [ $? -eq 2 ] || fail "--http-format alone"
"$CJD_BIN" sub --http ftp://x/ 2> "$tmp/err"; [ $? -eq 2 ] || fail "--http ftp://"
grep -q "must start with http:// or https://" "$tmp/err" || fail "$(cat "$tmp/err")"
"$CJD_BIN" sub --syslog-remote host:0 2> "$tmp/err"; [ $? -eq 2 ] || fail "--syslog-remote host:0"
"$CJD_BIN" sub --format leaf 2> "$tmp/err"; [ $? -eq 2 ] || fail "--format leaf"
grep -q "json, ecs, cef, leef, syslog, text, falcosidekick or splunk-hec" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "ok"
