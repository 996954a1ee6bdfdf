#!/bin/sh
# Benign: openssl speed -evp sha256 (a crypto benchmark: hashing flat out).
# Usage: openssl-sha256.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign openssl-sha256 "${1:-}"
wl_record -- sh -c 'while :; do openssl speed -seconds 2 -evp sha256; done'
