#!/bin/sh
# Miner: scrypt, 1 thread, duty-cycled to 25 % CPU (~2 ms of hashing, then ~6 ms asleep).
# Usage: scrypt-throttled.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner scrypt-throttled "${1:-}"
wl_need_miner
# Busy ~2 ms then asleep 3x as long; 100M-instruction samples span ~10 duty periods.
ns=$(wl_ns_per_hash scrypt) || exit 1
[ -n "$ns" ] || wl_die "calibration gave nothing"
busy=$(( (2000000 + ns - 1) / ns ))
sleep_ms=$(( (3 * busy * ns + 500000) / 1000000 ))
[ "$sleep_ms" -ge 1 ] || sleep_ms=1
wl_say "one hash = $ns ns ($WL_MODE); throttle: $busy hashes, then ${sleep_ms} ms asleep"
wl_record --setup-uninstrumented -i 100M --bb 1M --limit 8G -- \
	"$MINER" $POOL --algo scrypt --threads 1 --throttle "$busy,$sleep_ms" --seconds 1000000000
