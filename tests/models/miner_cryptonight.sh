#!/bin/sh
# cjd-miner's CryptoNight-style hash against an independent Python reference (cryptonight_ref.py,
# itself checked against FIPS-197 and Keccak-256 vectors first): AES-NI and software AES, the
# test-sized scratchpad for a few nonces and the real 2 MiB one for one nonce.
set -u
. "$(dirname "$0")/miner_lib.sh"
REF=$CJD_SOURCE_DIR/tests/models/cryptonight_ref.py
tmp=$T
/usr/bin/python3 "$REF" selftest || { echo "FAIL the reference's own known answers"; exit 1; }

# miner OPT HASHES: the miner's "nonce hash" lines, sorted by nonce
miner() {
	"$M" --algo cryptonight --opt "$1" --threads 1 --hashes "$2" --print 2>"$tmp/err" | sort -n \
		|| { cat "$tmp/err"; bad "cjd-miner --opt $1"; }
}
/usr/bin/python3 "$REF" hash 65536 16384 0 1 2 > "$tmp/ref-small"
miner small 3 > "$tmp/auto"
if grep -q 'AES-NI' "$tmp/err"; then aes="AES-NI"; else aes="software AES (no AES-NI on this CPU)"; fi
miner small,soft 3 > "$tmp/soft"
for v in auto soft; do
	name=$([ $v = auto ] && echo "$aes" || echo "software AES")
	if [ "$(wc -l < "$tmp/$v")" -eq 3 ] && cmp -s "$tmp/$v" "$tmp/ref-small"; then
		ok "cryptonight 64 KiB, $name: 3 hashes equal the reference"
	else
		bad "cryptonight 64 KiB, $name: differs from the reference"
		diff "$tmp/$v" "$tmp/ref-small"
	fi
done
# One full-size hash (2 MiB, 524288 iterations): ~20 s in the Python reference.
/usr/bin/python3 "$REF" hash 2097152 524288 7 > "$tmp/ref-full"
"$M" --algo cryptonight --threads 1 --hashes 8 --print 2>/dev/null | grep '^7 ' > "$tmp/full"
if [ -s "$tmp/full" ] && cmp -s "$tmp/full" "$tmp/ref-full"; then
	ok "cryptonight 2 MiB ($aes): nonce 7 equals the reference: $(cut -d' ' -f2 "$tmp/full")"
else
	bad "cryptonight 2 MiB: nonce 7 differs from the reference"
	cat "$tmp/full" "$tmp/ref-full"
fi
exit $fail
