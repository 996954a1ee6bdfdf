#!/bin/sh
# Benign: RSA key generation (bignum prime search and modular arithmetic), openssl genpkey 2048-bit keys
# in a loop, one thread.
# Usage: openssl-genrsa.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign openssl-genrsa "${1:-}"
wl_record -- sh -c 'while :; do openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out /dev/null 2>/dev/null || exit 1; done'
