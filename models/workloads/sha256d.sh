#!/bin/sh
# Miner: Bitcoin-style SHA-256d over an 80-byte header through OpenSSL EVP (midstate), 2 threads.
# Usage: sha256d.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner sha256d "${1:-}"
wl_need_miner
wl_record --setup-uninstrumented --limit 4G -- \
	"$MINER" $POOL --algo sha256d --threads 2 --difficulty 24 --seconds 1000000000
