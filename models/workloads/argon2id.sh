#!/bin/sh
# Miner: Argon2id at chukwa parameters (t=3, m=512 KiB, p=1) through libargon2, 2 threads.
# Usage: argon2id.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner argon2id "${1:-}"
wl_need_miner
wl_record --setup-uninstrumented --limit 4G -- \
	"$MINER" $POOL --algo argon2id --threads 2 --difficulty 8 --seconds 1000000000
