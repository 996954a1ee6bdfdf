#!/bin/sh
# Benign: openssl speed -evp sha256 in two processes (-multi 2): a crypto benchmark on both CPUs.
# Usage: openssl-sha256-multi2.sh real   (see lib.sh; real mode only: the simulator runs every thread on one
# simulated core, so a thread-count variant's simulated trace would be its base workload's)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign openssl-sha256-multi2 "${1:-}"
wl_record -- sh -c 'while :; do openssl speed -multi 2 -seconds 2 -evp sha256; done'
