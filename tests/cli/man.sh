#!/bin/sh
# docs/cjd.1 is generated from the help texts; it must match what the binary says today.
set -u
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$CJD_SOURCE_DIR/scripts/gen-man" "$CJD_BIN" > "$tmp" || exit 1
if ! cmp -s "$tmp" "$CJD_SOURCE_DIR/docs/cjd.1"; then
	echo "docs/cjd.1 is stale: run scripts/gen-man build/cjd > docs/cjd.1"
	diff "$CJD_SOURCE_DIR/docs/cjd.1" "$tmp" | head -20
	exit 1
fi
echo ok
