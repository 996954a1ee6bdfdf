# Sourced by the shell tests (. "$(dirname "$0")/../lib.sh"): a scratch directory $T, removed
# at exit, and the ok/bad report lines CTest's output shows; bad sets fail=1, and a test ends
# with `exit $fail`.
T=$(mktemp -d "${TMPDIR:-/tmp}/cjd-$(basename "$0" .sh)-$$-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
