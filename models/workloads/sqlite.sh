#!/bin/sh
# Benign: an sqlite3 workload: import 200k CSV rows, index, aggregate, update, again and again.
# Usage: sqlite.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign sqlite "${1:-}"
wl_need_inputs
cat > "$WL_TMP/work.sql" <<EOF
DROP TABLE IF EXISTS t;
CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT, n INTEGER, v REAL);
.mode csv
.import $WL_INPUTS/rows.csv t
CREATE INDEX t_a ON t(a, n);
SELECT a, count(*), sum(n), avg(v) FROM t GROUP BY a ORDER BY 3 DESC LIMIT 10;
SELECT b, max(v) FROM t WHERE n BETWEEN 100 AND 400 GROUP BY b HAVING count(*) > 10;
UPDATE t SET v = v * 1.01 WHERE n % 7 = 0;
SELECT count(*) FROM t x JOIN t y ON x.id = y.id + 1 WHERE x.a = y.b;
DELETE FROM t WHERE n % 11 = 0;
VACUUM;
EOF
wl_record -- sh -c 'while :; do sqlite3 "$1/db.sqlite" < "$1/work.sql" > /dev/null || exit 1; done' sh "$WL_TMP"
