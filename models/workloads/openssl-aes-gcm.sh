#!/bin/sh
# Benign: openssl speed -evp aes-256-gcm (a crypto benchmark: AES-NI flat out).
# Usage: openssl-aes-gcm.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign openssl-aes-gcm "${1:-}"
wl_record -- sh -c 'while :; do openssl speed -seconds 2 -evp aes-256-gcm; done'
