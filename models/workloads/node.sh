#!/bin/sh
# Benign: Node.js (V8's JIT: hot code runs from anonymous executable memory, as RandomX's does): a scheduler,
# typed-array n-body, regex and JSON, one JavaScript thread (plus V8's compiler and GC helper threads).
# Usage: node.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign node "${1:-}"
wl_need_inputs
command -v node >/dev/null 2>&1 || wl_die "node is not installed"
wl_record -- node "$WL_DIR/src/jsloop.js" "$WL_INPUTS/text.txt"
