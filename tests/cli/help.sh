#!/bin/sh
# `cjd --help` lists every subcommand, and every subcommand answers --help with a usage text.
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
fail=0
help=$("$CJD_BIN" --help) || { echo "FAIL cjd --help exited non-zero"; exit 1; }
"$CJD_BIN" --version | grep -q '^cjd [0-9]' || { echo "FAIL --version"; fail=1; }
cmds=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ] || { echo "FAIL no commands listed"; exit 1; }
for c in $cmds; do
	out=$("$CJD_BIN" "$c" --help 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || ! printf '%s' "$out" | grep -q "Usage: cjd $c"; then
		echo "FAIL cjd $c --help (exit $rc)"; fail=1
	else
		echo "ok   cjd $c --help"
	fi
done
"$CJD_BIN" no-such-command >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL unknown command must exit 2"; fail=1; }
"$CJD_BIN" trace validate >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL missing FILE must exit 2"; fail=1; }
exit $fail
