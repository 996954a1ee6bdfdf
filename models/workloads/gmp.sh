#!/bin/sh
# Benign: bignums on GMP (python3-gmpy2): 1024-bit prime search, RSA round trips, 20000 digits of pi, one thread.
# Usage: gmp.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign gmp "${1:-}"
"$PY" -c 'import gmpy2' 2>/dev/null || wl_die "python3-gmpy2 is not installed"
wl_record -- "$PY" "$WL_DIR/src/gmploop.py"
