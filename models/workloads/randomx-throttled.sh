#!/bin/sh
# Miner: RandomX light, 1 thread, duty-cycled to 25 % CPU (hash, then sleep 3x as long).
# Usage: randomx-throttled.sh sim|real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init miner randomx-throttled "${1:-}"
wl_need_miner
# One hash takes ~20 ms (simulated) / ~25 ms (here, natively); sleeping 3x that after
# each hash gives a 25 % duty cycle. Samples of 200M instructions (~2.5 hashes) each
# span 2-3 duty periods, so every sample shows the throttled utilisation.
ns=$(wl_ns_per_hash randomx-light) || exit 1
[ -n "$ns" ] || wl_die "calibration gave nothing"
sleep_ms=$(( (3 * ns + 500000) / 1000000 ))
wl_say "one hash = $ns ns ($WL_MODE); throttle: 1 hash, then ${sleep_ms} ms asleep"
wl_record --setup-uninstrumented -i 200M --bb 1M --limit 16G -- \
	"$MINER" $POOL --algo randomx-light --threads 1 --throttle "1,$sleep_ms" --seconds 1000000000
