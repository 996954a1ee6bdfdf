#!/bin/sh
# Benign: a database doing CPU-bound queries: PostgreSQL (Debian's, its own data directory and Unix socket)
# running aggregates, joins, window functions, sorts and regex over generated tables, with parallel query
# (up to two workers beside the backend), again and again.
# Usage: postgres.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign postgres "${1:-}"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/postgres" ] || wl_die "PostgreSQL server is not installed (postgresql)"
id postgres >/dev/null 2>&1 || wl_die "no 'postgres' user (the server refuses to run as root)"
# The server runs as postgres: give it a directory of its own under the script's scratch folder.
chmod 755 "$WL_TMP"
mkdir -p "$WL_TMP/pg" "$WL_TMP/sock"
chown postgres "$WL_TMP/pg" "$WL_TMP/sock"
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$WL_TMP/pg/data" -A trust -U postgres --no-sync >"$WL_TMP/initdb.log" 2>&1 \
	|| { cat "$WL_TMP/initdb.log" >&2; wl_die "initdb failed"; }
cat >> "$WL_TMP/pg/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$WL_TMP/sock'
shared_buffers = 256MB
work_mem = 64MB
fsync = off
synchronous_commit = off
max_parallel_workers_per_gather = 2
parallel_setup_cost = 0
parallel_tuple_cost = 0
min_parallel_table_scan_size = 0
logging_collector = off
CONF
# The data is loaded before the recording (generate_series: deterministic).
as_pg "$PGBIN/pg_ctl" -D "$WL_TMP/pg/data" -l "$WL_TMP/pg/setup.log" -w start >/dev/null \
	|| { cat "$WL_TMP/pg/setup.log" >&2; wl_die "the server did not start"; }
"$PGBIN/psql" -q -h "$WL_TMP/sock" -U postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { as_pg "$PGBIN/pg_ctl" -D "$WL_TMP/pg/data" -m fast stop; wl_die "loading the tables failed"; }
CREATE TABLE orders AS
  SELECT i AS id, (i::bigint * 7919) % 5000 AS customer, ((i::bigint * 104729) % 100000) / 100.0 AS amount,
         md5(i::text) AS note, date '2026-01-01' + (i % 365) AS day
  FROM generate_series(1, 1000000) AS i;
CREATE TABLE customers AS
  SELECT c AS id, 'customer ' || c AS name, c % 50 AS region FROM generate_series(0, 4999) AS c;
ANALYZE;
SQL
as_pg "$PGBIN/pg_ctl" -D "$WL_TMP/pg/data" -m fast -w stop >/dev/null
cat > "$WL_TMP/queries.sql" <<'SQL'
SELECT region, count(*), sum(amount), avg(amount) FROM orders o JOIN customers c ON c.id = o.customer GROUP BY region ORDER BY 3 DESC;
SELECT customer, amount, rank() OVER (PARTITION BY customer ORDER BY amount DESC) FROM orders ORDER BY 3, 1 LIMIT 20;
SELECT day, percentile_cont(0.9) WITHIN GROUP (ORDER BY amount) FROM orders GROUP BY day ORDER BY 2 DESC LIMIT 5;
SELECT count(*) FROM orders WHERE note ~ '^[0-9]{2}[a-f]+7';
SELECT count(DISTINCT (customer, (amount * 10)::int)) FROM orders;
SELECT sum(length(string_agg)) FROM (SELECT string_agg(note, ',' ORDER BY id) FROM orders WHERE id % 97 = 0 GROUP BY customer) s;
SQL
# Recorded: the server (postmaster, backend, parallel workers) and psql, all in the cgroup.
wl_record -- runuser -u postgres -- sh -c '
	"$1/postgres" -D "$2/pg/data" >"$2/pg/server.log" 2>&1 &
	until "$1/pg_isready" -q -h "$2/sock"; do sleep 0.2; done
	while :; do "$1/psql" -q -h "$2/sock" -U postgres -v ON_ERROR_STOP=1 -f "$2/queries.sql" >/dev/null || exit 1; done' \
	sh "$PGBIN" "$WL_TMP"
