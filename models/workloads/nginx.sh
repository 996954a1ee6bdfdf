#!/bin/sh
# Benign: a web server under load: nginx (nginx-light) serving static files to wrk on loopback.
# Usage: nginx.sh sim|real   (see lib.sh)
# Only nginx is recorded; wrk runs natively outside the recording, only against 127.0.0.1,
# in bounded 20 s / 10 s runs that stop when the recording ends.
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign nginx "${1:-}"
wl_need_inputs
port=$((20000 + $$ % 20000))
mkdir -p "$WL_TMP/www" "$WL_TMP/logs"
cp "$WL_INPUTS/index.html" "$WL_TMP/www/index.html"
head -c 262144 "$WL_INPUTS/text.txt" > "$WL_TMP/www/big.txt"
cat > "$WL_TMP/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WL_TMP/nginx.pid;
error_log $WL_TMP/logs/error.log warn;
events { worker_connections 256; }
http {
	access_log $WL_TMP/logs/access.log;
	client_body_temp_path $WL_TMP/body;
	proxy_temp_path $WL_TMP/proxy;
	fastcgi_temp_path $WL_TMP/fastcgi;
	uwsgi_temp_path $WL_TMP/uwsgi;
	scgi_temp_path $WL_TMP/scgi;
	server {
		listen 127.0.0.1:$port;
		root $WL_TMP/www;
		gzip on;
		gzip_types text/plain;
	}
}
EOF
nginx -t -q -p "$WL_TMP" -c "$WL_TMP/nginx.conf" 2>"$WL_TMP/t.err" \
	|| { cat "$WL_TMP/t.err" >&2; wl_die "bad nginx config"; }
if [ "$WL_MODE" = sim ]; then args="--limit 2G"; else args="--dur $REAL_DUR"; fi
# shellcheck disable=SC2086
wl_record $args -- nginx -p "$WL_TMP" -c "$WL_TMP/nginx.conf" &
rec=$!
WL_CLEANUP="kill $rec 2>/dev/null"
# Wait for the server (under valgrind it takes a few seconds to start).
n=0
until "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 240 ] || wl_die "nginx did not start on 127.0.0.1:$port"
	kill -0 $rec 2>/dev/null || wl_die "the recorder ended before nginx started"
	sleep 0.5
done
wl_say "nginx up on 127.0.0.1:$port; wrk against it until the recording ends"
# Two URLs alternate: a small page, and a 256 KiB text compressed on the fly.
(
	while kill -0 $rec 2>/dev/null; do
		wrk -t1 -c8 -d20s "http://127.0.0.1:$port/index.html" >/dev/null 2>&1 &
		echo $! > "$WL_TMP/wrk.pid"
		wait $!
		wrk -t1 -c4 -H "Accept-Encoding: gzip" -d10s "http://127.0.0.1:$port/big.txt" \
			>/dev/null 2>&1 &
		echo $! > "$WL_TMP/wrk.pid"
		wait $!
	done
) &
load=$!
stop_load() {
	kill $load 2>/dev/null
	[ -f "$WL_TMP/wrk.pid" ] && kill "$(cat "$WL_TMP/wrk.pid")" 2>/dev/null
	wait $load 2>/dev/null
}
WL_CLEANUP="kill $rec 2>/dev/null; stop_load"
wait $rec
rc=$?
stop_load
WL_CLEANUP=""
exit $rc
