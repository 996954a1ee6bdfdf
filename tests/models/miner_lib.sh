# Sourced by the cjd-miner tests: tests/lib.sh's scratch directory $T and ok/bad, the skip when
# the miner's libraries are missing, and cjd-miner (with the corpus's small C programs) built
# into $T: sets M.
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
. "$CJD_SOURCE_DIR/tests/lib.sh"
for h in randomx.h openssl/evp.h argon2.h jansson.h valgrind/callgrind.h; do
	[ -f "/usr/include/$h" ] || { echo "SKIP: /usr/include/$h missing (librandomx-dev, libssl-dev, libargon2-dev, libjansson-dev, valgrind)"; exit 77; }
done
make -s -C "$CJD_SOURCE_DIR/models/workloads/src" OUT="$T" >"$T/make.log" 2>&1 \
	|| { cat "$T/make.log"; echo "FAIL cannot build cjd-miner"; exit 1; }
M=$T/cjd-miner
