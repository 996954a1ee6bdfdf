#!/bin/sh
# Miner: Litecoin-style scrypt (N=1024, r=1, p=1) through OpenSSL 3 EVP_KDF, 2 threads.
# Usage: scrypt.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner scrypt "${1:-}"
wl_need_miner
wl_record --setup-uninstrumented --limit 4G -- \
	"$MINER" $POOL --algo scrypt --threads 2 --difficulty 8 --seconds 1000000000
