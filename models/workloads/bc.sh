#!/bin/sh
# Benign: arbitrary precision, bc -l computing pi to 2000 digits (arctangent series), again and again.
# Usage: bc.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign bc "${1:-}"
wl_record -- sh -c 'while :; do echo "scale=2000; 4*a(1)" | BC_LINE_LENGTH=0 bc -l || exit 1; done'
