#!/bin/sh
# Benign: a mix that changes over time: phases of hashing, compression, scripting, a query,
# a compile, arbitrary precision, sorting and idle pauses, as a CI runner or a busy user.
# Usage: mix.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign mix "${1:-}"
wl_need_inputs
cat > "$WL_TMP/phases.sh" <<EOF
set -e
cd "$WL_TMP"
while :; do
	head -c 4000000 "$WL_INPUTS/text.txt" > part.txt
	sha256sum part.txt > /dev/null
	sleep 0.3
	gzip -6 -c part.txt > part.gz
	$PY -c 'import collections,sys; print(len(collections.Counter(open(sys.argv[1]).read().split())))' part.txt > /dev/null
	sleep 0.5
	sqlite3 mix.db "CREATE TABLE IF NOT EXISTS k(x INTEGER); INSERT INTO k SELECT value FROM generate_series(1, 20000); SELECT sum(x % 97) FROM k; DELETE FROM k;" > /dev/null
	xz -3 -T1 -c part.txt > part.xz
	gcc -O1 -std=c11 -D_GNU_SOURCE -I"$WL_ROOT/include" -c "$WL_ROOT/common/strmap.c" -o strmap.o
	sleep 0.2
	echo "scale=600; e(1)" | bc -l > /dev/null
	LC_ALL=C sort part.txt > /dev/null
done
EOF
wl_record -- sh "$WL_TMP/phases.sh"
