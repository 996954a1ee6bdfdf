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
echo ok
