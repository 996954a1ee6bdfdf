#!/bin/sh
# Benign: a PHP 8 CLI loop: fannkuch permutations, mandelbrot, associative arrays and sorting, one thread.
# Usage: php.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign php "${1:-}"
# -n: no php.ini (no opcache JIT either): the plain interpreter.
wl_record -- php -n "$WL_DIR/src/loop.php"
