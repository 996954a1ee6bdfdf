#!/bin/sh
# cjd-miner's stratum client and its stand-in pool: the in-process pool (--pool, a socketpair),
# then the TCP pool in a network namespace of the test's own (--pool-serve / --pool-connect):
# login, jobs, shares submitted and accepted after the pool recomputed them.
set -u
. "$(dirname "$0")/miner_lib.sh"
tmp=$T
NS=cjd-test-stratum-$$
pool=""
cleanup() {
	[ -n "$pool" ] && kill "$pool" 2>/dev/null && wait "$pool" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# 1. In-process: SHA-256d finds shares fast; the pool thread verifies them.
"$M" --algo sha256d --threads 1 --difficulty 18 --seconds 3 --pool --pool-verify 2>"$tmp/pair.err" >/dev/null \
	|| bad "cjd-miner --pool exited with an error"
if grep -q 'miner: pool: logged in' "$tmp/pair.err" && grep -q 'miner: pool: accepted' "$tmp/pair.err" \
	&& ! grep -q 'miner: pool: rejected' "$tmp/pair.err"; then
	ok "--pool: logged in, $(grep -c 'miner: pool: accepted' "$tmp/pair.err") shares accepted, none rejected"
else
	bad "--pool: no login or no accepted share"; cat "$tmp/pair.err"
fi

# 2. TCP in a network namespace: the pool and the miner on its loopback.
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "SKIP: network namespaces need root and iproute2 (ip)"; exit $([ $fail -eq 0 ] && echo 77 || echo 1)
fi
if ! ip netns add "$NS" 2>"$tmp/ns.err"; then
	echo "SKIP: ip netns add failed: $(cat "$tmp/ns.err")"; exit $([ $fail -eq 0 ] && echo 77 || echo 1)
fi
ip -n "$NS" link set lo up || bad "cannot bring lo up in $NS"
ip netns exec "$NS" "$M" --pool-serve 127.0.0.1:3333 --pool-verify --pool-job-every 2 \
	--pool-share-every 1 --pool-log "$tmp/pool.log" 2>"$tmp/pool.err" &
pool=$!
k=0
until grep -q listening "$tmp/pool.log" 2>/dev/null; do
	k=$((k + 1)); [ $k -lt 50 ] || { bad "the pool did not start"; cat "$tmp/pool.err"; exit 1; }
	sleep 0.1
done
# The test-sized CryptoNight: thousands of hashes a second, a share every few at difficulty 2^4.
ip netns exec "$NS" "$M" --algo cryptonight --opt small --threads 2 --difficulty 4 --seconds 6 \
	--pool-connect 127.0.0.1:3333 2>"$tmp/miner.err" >/dev/null || bad "the miner exited with an error"
kill "$pool"; wait "$pool" 2>/dev/null; pool=""
logins=$(grep -c '<- login .* algo cryptonight' "$tmp/pool.log")
jobs=$(grep -c -- '-> job' "$tmp/pool.log")
acc=$(grep -c -- '-> accepted (verified)' "$tmp/pool.log")
sub=$(grep -c '<- submit' "$tmp/pool.log")
invalid=$(grep -c 'Invalid share\|Low difficulty\|Malformed' "$tmp/pool.log")
[ "$logins" -eq 1 ] && ok "netns: one login" || bad "netns: $logins logins"
[ "$jobs" -ge 1 ] && ok "netns: $jobs new jobs after the login's" || bad "netns: no new job in 6 s"
[ "$acc" -ge 1 ] && ok "netns: $acc of $sub submitted shares accepted after verification" \
	|| bad "netns: no share accepted"
[ "$invalid" -eq 0 ] && ok "netns: no invalid, low-difficulty or malformed share" \
	|| bad "netns: $invalid bad shares"
grep -q 'miner: pool: accepted' "$tmp/miner.err" && ok "netns: the miner saw its shares accepted" \
	|| bad "netns: the miner saw no accepted share"
[ $fail -eq 0 ] || { echo "--- pool log"; cat "$tmp/pool.log"; echo "--- miner"; cat "$tmp/miner.err"; }
exit $fail
