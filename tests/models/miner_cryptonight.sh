#!/bin/sh
# cjd-miner's CryptoNight-style hash against an independent Python reference (cryptonight_ref.py,
# itself checked against FIPS-197 and Keccak-256 vectors first): AES-NI and software AES, the
# test-sized scratchpad for a few nonces and the real 2 MiB one for one nonce.
set -u
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
for h in randomx.h openssl/evp.h argon2.h jansson.h valgrind/callgrind.h; do
	[ -f "/usr/include/$h" ] || { echo "SKIP: /usr/include/$h missing (librandomx-dev, libssl-dev, libargon2-dev, libjansson-dev, valgrind)"; exit 77; }
done
REF=$CJD_SOURCE_DIR/tests/models/cryptonight_ref.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cjd-test-cn-$$-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
make -s -C "$CJD_SOURCE_DIR/models/workloads/src" OUT="$tmp" >"$tmp/make.log" 2>&1 \
	|| { cat "$tmp/make.log"; echo "FAIL cannot build cjd-miner"; exit 1; }
M=$tmp/cjd-miner
fail=0
/usr/bin/python3 "$REF" selftest || { echo "FAIL the reference's own known answers"; exit 1; }

# miner OPT HASHES: the miner's "nonce hash" lines, sorted by nonce
miner() {
	"$M" --algo cryptonight --opt "$1" --threads 1 --hashes "$2" --print 2>"$tmp/err" | sort -n \
		|| { cat "$tmp/err"; echo "FAIL cjd-miner --opt $1"; fail=1; }
}
/usr/bin/python3 "$REF" hash 65536 16384 0 1 2 > "$tmp/ref-small"
miner small 3 > "$tmp/auto"
if grep -q 'AES-NI' "$tmp/err"; then aes="AES-NI"; else aes="software AES (no AES-NI on this CPU)"; fi
miner small,soft 3 > "$tmp/soft"
for v in auto soft; do
	name=$([ $v = auto ] && echo "$aes" || echo "software AES")
	if [ "$(wc -l < "$tmp/$v")" -eq 3 ] && cmp -s "$tmp/$v" "$tmp/ref-small"; then
		echo "ok   cryptonight 64 KiB, $name: 3 hashes equal the reference"
	else
		echo "FAIL cryptonight 64 KiB, $name: differs from the reference"
		diff "$tmp/$v" "$tmp/ref-small"; fail=1
	fi
done
# One full-size hash (2 MiB, 524288 iterations): ~20 s in the Python reference.
/usr/bin/python3 "$REF" hash 2097152 524288 7 > "$tmp/ref-full"
"$M" --algo cryptonight --threads 1 --hashes 8 --print 2>/dev/null | grep '^7 ' > "$tmp/full"
if [ -s "$tmp/full" ] && cmp -s "$tmp/full" "$tmp/ref-full"; then
	echo "ok   cryptonight 2 MiB ($aes): nonce 7 equals the reference: $(cut -d' ' -f2 "$tmp/full")"
else
	echo "FAIL cryptonight 2 MiB: nonce 7 differs from the reference"
	cat "$tmp/full" "$tmp/ref-full"; fail=1
fi
exit $fail
