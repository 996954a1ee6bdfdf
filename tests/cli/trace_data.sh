#!/bin/sh
# Every bad trace fails `cjd trace validate` with the message its table row gives;
# every good trace passes, and `trace cat` round-trips them byte for byte.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}" "${CJD_TEST_DATA:?}"
bad="$CJD_TEST_DATA/bad"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The table: "| file | `message` |" rows of bad/README.md.
rows=$(sed -n 's/^| \([^ |]*\) | `\(.*\)` |$/\1\t\2/p' "$bad/README.md")
[ -n "$rows" ] || { echo "no rows parsed from $bad/README.md"; exit 1; }

for f in "$bad"/*; do
	name=$(basename "$f")
	[ "$name" = README.md ] && continue
	want=$(printf '%s\n' "$rows" | awk -F'\t' -v n="$name" '$1 == n { print $2 }')
	if [ -z "$want" ]; then
		echo "FAIL $name: no row in bad/README.md"; fail=1; continue
	fi
	got=$(cd "$bad" && "$CJD_BIN" trace validate "$name" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "FAIL $name: exit $rc, want 1"; fail=1
	elif [ "$got" != "$want" ]; then
		printf 'FAIL %s:\n  got:  %s\n  want: %s\n' "$name" "$got" "$want"; fail=1
	else
		echo "ok   $name"
	fi
done

for f in "$CJD_TEST_DATA"/good/*; do
	name=$(basename "$f")
	if ! "$CJD_BIN" trace validate -q "$f"; then
		echo "FAIL good/$name does not validate"; fail=1; continue
	fi
	# cat to plain, cat that to gzip, and back: the plain forms must be identical
	"$CJD_BIN" trace cat "$f" > "$tmp/a.cjdt" &&
		"$CJD_BIN" trace cat -o "$tmp/b.cjdt.gz" "$tmp/a.cjdt" &&
		"$CJD_BIN" trace cat "$tmp/b.cjdt.gz" > "$tmp/c.cjdt" &&
		cmp -s "$tmp/a.cjdt" "$tmp/c.cjdt" &&
		[ "$(head -c2 "$tmp/b.cjdt.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
		{ echo "FAIL good/$name: cat round trip differs"; fail=1; continue; }
	echo "ok   good/$name"
done

# Filters: the software fixture has 2 miner and 2 benign samples.
n=$("$CJD_BIN" trace cat --label 'miner*' "$CJD_TEST_DATA/good/software.cjdt" | wc -l)
[ "$n" -eq 3 ] || { echo "FAIL cat --label: $n lines, want header + 2"; fail=1; }
n=$("$CJD_BIN" trace cat --cgroup '/idle' "$CJD_TEST_DATA/good/software.cjdt.gz" | wc -l)
[ "$n" -eq 3 ] || { echo "FAIL cat --cgroup: $n lines, want header + 2"; fail=1; }
"$CJD_BIN" trace stats --json "$CJD_TEST_DATA/good/software.cjdt" | grep -q '"samples":4,"cgroups":2' ||
	{ echo "FAIL stats --json"; fail=1; }
# A file name that needs escaping still gives valid JSON, and names the file exactly.
cp "$CJD_TEST_DATA/good/software.cjdt" "$tmp/we\"ird\\name.cjdt"
"$CJD_BIN" trace stats --json "$tmp/we\"ird\\name.cjdt" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["file"].endswith("/we\"ird\\name.cjdt"), d["file"]
assert d["samples"] == 4 and d["duration_s"] == 2, d
' || { echo "FAIL stats --json with a quote and a backslash in the file name"; fail=1; }
exit $fail
