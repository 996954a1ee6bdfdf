#!/bin/sh
# Bad input to `cjd run`: each case gets exactly one clear line on stderr, and exit code 2 for
# usage or configuration errors, 1 for runtime failures.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null' EXIT
fail=0
model="$CJD_SOURCE_DIR/tests/detector/data/good/sw-test.json"
common="--model $model --journal $tmp/j.jsonl --publish ipc://$tmp/a.sock --metrics-listen 127.0.0.1:0"

# expect CODE PATTERN -- ARGS...: runs cjd run ARGS, wants exit CODE and one stderr line matching PATTERN
expect() {
	want=$1 pat=$2
	shift 3
	timeout 20 "$CJD_BIN" run "$@" > /dev/null 2> "$tmp/err"
	rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ "$rc" -ne "$want" ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
		echo "FAIL cjd run $*: exit $rc (want $want), $lines lines (want 1):"
		sed 's/^/    /' "$tmp/err"
		fail=1
	else
		echo "ok   exit $rc: $(cat "$tmp/err")"
	fi
}

printf '{"collector": {"intervall": "1s"}}\n' > "$tmp/unknown.json"
expect 2 'unknown.json:1:16: unknown key "intervall" in section "collector"' -- --config "$tmp/unknown.json" $common
printf '{\n  "detector": {"window": "eight"}\n}\n' > "$tmp/type.json"
expect 2 'type.json:2:26: detector.window must be a whole number' -- --config "$tmp/type.json" $common
expect 2 'collector.interval is 5ms; allowed 10ms to 1h' -- --interval 5ms $common
expect 2 'collector.interval must be a duration' -- --interval soon $common
expect 2 'missing.json: cannot open' -- --config "$tmp/missing.json" $common
expect 2 'nope.json' -- --model "$tmp/nope.json" --journal "$tmp/j.jsonl" --publish "ipc://$tmp/a.sock"
mkdir "$tmp/dir.json"
expect 2 'dir.json' -- --model "$tmp/dir.json" --journal "$tmp/j.jsonl" --publish "ipc://$tmp/a.sock"
expect 2 'unknown option' -- --no-such-flag
expect 2 "unexpected argument 'extra'" -- extra

# an endpoint already in use: a listener holds the port
port=$((20000 + $$ % 20000))
/usr/bin/python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(1); time.sleep(30)" &
holder=$!
sleep 0.5
expect 1 "tcp://127.0.0.1:$port" -- --model "$model" --journal "$tmp/j.jsonl" --publish "tcp://127.0.0.1:$port"
# the metrics address in use: the same, naming the address (as root: the agent gets that far)
if [ "$(id -u)" -eq 0 ]; then
	expect 1 "metrics.listen 127.0.0.1:$port: cannot bind: Address already in use" -- --model "$model" \
		--journal "$tmp/j.jsonl" --publish "ipc://$tmp/a.sock" --metrics-listen "127.0.0.1:$port"
fi
kill "$holder" 2>/dev/null
holder=
expect 2 'metrics.listen "localhost:5558": "localhost" is not a numeric IPv4 address' -- $common --metrics-listen localhost:5558
expect 2 'metrics.listen "127.0.0.1:99999": the port must be a number from 0 to 65535' -- $common --metrics-listen 127.0.0.1:99999
printf '{"metrics": {"tls_cert": "/nonexistent.pem"}}\n' > "$tmp/tls.json"
expect 2 'metrics.tls_cert and metrics.tls_key go together' -- --config "$tmp/tls.json" $common
# the files metrics.* name are read at start (as root: the agent gets that far)
if [ "$(id -u)" -eq 0 ]; then
	printf '{"metrics": {"tls_cert": "%s/none.pem", "tls_key": "%s/none.key"}}\n' "$tmp" "$tmp" > "$tmp/tls2.json"
	expect 2 "none.pem: metrics.tls_cert: cannot open: No such file or directory" -- --config "$tmp/tls2.json" $common
	printf 'prom:pw\n' > "$tmp/auth"
	chmod 644 "$tmp/auth"
	printf '{"metrics": {"basic_auth_file": "%s/auth"}}\n' "$tmp" > "$tmp/auth.json"
	expect 2 "auth: metrics.basic_auth_file: readable by everyone (mode 0644): chmod o-r it" -- --config "$tmp/auth.json" $common
fi

# no permission: an unprivileged user with no capabilities, where perf_event_paranoid forbids
# CPU-wide events
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 1 ]; then
	chmod 755 "$tmp"
	timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$CJD_BIN" run $common > /dev/null 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l < "$tmp/err")" -ne 1 ] ||
		! grep -q -e 'perf_event_paranoid' -e 'CAP_PERFMON' -e 'cap_perfmon' "$tmp/err"; then
		echo "FAIL unprivileged run: exit $rc:"; sed 's/^/    /' "$tmp/err"; fail=1
	else
		echo "ok   exit $rc (unprivileged): $(cat "$tmp/err")"
	fi
else
	echo "skip unprivileged case: needs root, setpriv and perf_event_paranoid >= 1"
fi
exit $fail
