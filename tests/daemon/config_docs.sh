#!/bin/sh
# docs/config.md carries the output of `cjd config --docs`; it must not drift from the key table.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
doc="$CJD_SOURCE_DIR/docs/config.md"
want=$("$CJD_BIN" config --docs)
got=$(sed -n '/^<!-- BEGIN cjd config --docs -->$/,/^<!-- END cjd config --docs -->$/p' "$doc" | sed '1d;$d')
if [ "$want" != "$got" ]; then
	echo "docs/config.md is stale: regenerate the block between the markers with 'cjd config --docs'"
	exit 1
fi
# The printed defaults are a valid configuration file.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$CJD_BIN" config --defaults > "$tmp" && "$CJD_BIN" config --check "$tmp" >/dev/null || exit 1
printf '{"collector": {"interval": "5ms"}}' > "$tmp"
"$CJD_BIN" config --check "$tmp" 2>/dev/null; [ $? -eq 2 ] || { echo "bad config must exit 2"; exit 1; }
# Every problem of a file is reported, each with file:line:column, misspellings with a
# suggestion, then the count; stdout stays empty.
printf '{\n  "collector": {"intervall": "1s", "rescan": "5ms"},\n  "log": {"level": "warning"}\n}\n' > "$tmp"
out=$("$CJD_BIN" config --check "$tmp" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || { echo "config --check with 3 problems exited $rc, not 2"; exit 1; }
want="cjd config: $tmp:2:17: unknown key \"intervall\" in section \"collector\"; did you mean 'interval'?
cjd config: $tmp:2:46: collector.rescan is 5ms; allowed 100ms to 1h
cjd config: $tmp:3:20: log.level must be one of error|warn|info|debug; did you mean 'warn'?
cjd config: $tmp: 3 problems"
[ "$out" = "$want" ] || { printf 'config --check printed:\n%s\nwanted:\n%s\n' "$out" "$want"; exit 1; }
# A FILE that is not there is a problem; only the default path may be missing.
"$CJD_BIN" config --check /nonexistent/cjd.json 2>"$tmp.err"; rc=$?
[ $rc -eq 2 ] && grep -q "/nonexistent/cjd.json: cannot open" "$tmp.err" \
	|| { echo "config --check of a missing FILE: exit $rc, $(cat "$tmp.err")"; rm -f "$tmp.err"; exit 1; }
rm -f "$tmp.err"
echo ok
