#!/bin/sh
# Benign: password hashing as a login service does it: argon2 CLI, Argon2id t=3 m=64 MiB p=1.
# Usage: argon2-passwords.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign argon2-passwords "${1:-}"
wl_record -- sh -c 'i=0; while :; do i=$((i+1)); echo "user$i-password" | argon2 "saltsalt$i" -id -t 3 -m 16 -p 1 -r || exit 1; done'
