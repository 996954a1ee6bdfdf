#!/bin/sh
# Benign: a JIT runtime doing crypto: Node 20 (V8) encrypting with AES-256-GCM and ChaCha20-Poly1305, HMAC-SHA256, PBKDF2 and ECDH, beside JS work, one thread.
# Usage: node-crypto.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign node-crypto "${1:-}"
command -v node >/dev/null 2>&1 || wl_die "node (Debian nodejs) is needed"
wl_record -- node "$WL_DIR/src/cryptoloop.js"
