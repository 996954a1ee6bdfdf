#!/bin/sh
# Benign: `openssl speed` of AES-CBC/CTR (AES-NI), RSA-2048 and ECDSA P-256 (64-bit multiplies), SHA-512, two processes, in a loop.
# Usage: openssl-speed-mix.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign openssl-speed-mix "${1:-}"
wl_record -- /bin/sh -c 'while :; do
	openssl speed -multi 2 -seconds 2 -evp aes-128-ctr
	openssl speed -multi 2 -seconds 2 rsa2048 ecdsap256
	openssl speed -multi 2 -seconds 2 aes-256-cbc sha512
done >/dev/null 2>&1'
