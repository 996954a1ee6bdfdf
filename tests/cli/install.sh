#!/bin/sh
# `cmake --install` into a temporary prefix: the installed binary names no path of the
# checkout (strings finds none) and finds the models installed beside it; the build-tree
# binary still finds the checkout's models/ (through the link CMake puts beside it).
set -u
. "$(dirname "$0")/../lib.sh"
: "${CJD_BIN:?}" "${CJD_SOURCE_DIR:?}"
build=$(dirname "$CJD_BIN")
src=$(cd "$CJD_SOURCE_DIR" && pwd -P)
prefix="$T/prefix"
trace="$src/docs/examples/alert-example.cjdt"
unset CJD_MODEL_DIR

if ! cmake --install "$build" --prefix "$prefix" >"$T/install.log" 2>&1; then
	cat "$T/install.log"
	bad "cmake --install failed"
	exit 1
fi
bin="$prefix/bin/cjd"
[ -x "$bin" ] && ok "installed $bin" || bad "no $bin after cmake --install"

# Debug and Sanitize builds carry source paths in their debug info and ASan's reports by
# design; only a Release binary is what gets shipped.
type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
if [ "$type" = Release ]; then
	for b in "$bin" "$CJD_BIN"; do
		if strings "$b" | grep -F "$src" >"$T/found"; then
			bad "$b holds the checkout path: $(head -3 "$T/found" | tr '\n' ' ')"
		else
			ok "strings $b: no $src"
		fi
	done
else
	echo "skip strings check: a $type build keeps source paths in its debug information"
fi

# The installed binary runs from a directory outside the checkout and finds its models.
if (cd "$T" && "$bin" replay -q "$trace" >"$T/out" 2>"$T/err") && grep -q '"action":"firing"' "$T/out" \
	&& grep -q '"name":"sw-default"' "$T/out"; then
	ok "installed cjd found sw-default among its installed models"
else
	bad "installed cjd replay failed: $(cat "$T/err")"
fi
# ... and only those: without them it says where it looked, none of it in the checkout.
configured=$(sed -n 's/^CJD_MODEL_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
if [ -e "$configured/sw-default.json" ]; then
	echo "skip the no-models check: cjd is installed system-wide here ($configured)"
else
	mv "$prefix/share/cjd/models" "$prefix/share/cjd/models.away"
	(cd "$T" && "$bin" replay -q "$trace" >/dev/null 2>"$T/err"); rc=$?
	if [ $rc -eq 2 ] && grep -q "no software model found" "$T/err" && ! grep -qF "$src" "$T/err"; then
		ok "without its models it fails and names where it looked: $(cat "$T/err")"
	else
		bad "without installed models: exit $rc, $(cat "$T/err")"
	fi
	mv "$prefix/share/cjd/models.away" "$prefix/share/cjd/models"
fi
# A moved install finds its models too (nothing absolute about the prefix is needed).
mv "$prefix" "$T/moved"
if (cd "$T" && "$T/moved/bin/cjd" replay -q "$trace" >/dev/null 2>"$T/err"); then
	ok "a moved install finds its models"
else
	bad "moved install: $(cat "$T/err")"
fi

# The build-tree binary finds the checkout's models.
if (cd "$T" && "$CJD_BIN" replay -q "$trace" >"$T/out" 2>"$T/err") && grep -q '"name":"sw-default"' "$T/out"; then
	ok "build-tree cjd finds models/ of its checkout"
else
	bad "build-tree cjd replay: $(cat "$T/err")"
fi
exit $fail
