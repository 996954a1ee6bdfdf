#!/bin/sh
# Benign: a Lua 5.4 loop: spectral norm (floating point), binary trees (allocation, GC), string building, one thread.
# Usage: lua.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign lua "${1:-}"
wl_record -- lua5.4 "$WL_DIR/src/loop.lua"
