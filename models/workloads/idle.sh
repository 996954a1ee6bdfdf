#!/bin/sh
# Benign: an idle service: a status agent that wakes every 20 ms, reads /proc, logs a line, sleeps.
# Usage: idle.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign idle "${1:-}"
# Few instructions per wake-up: 2M-instruction samples, each spanning ~0.5 s.
wl_record -i 2M --limit 300M -- "$PY" "$WL_DIR/src/idle_service.py" "$WL_TMP/status.log"
