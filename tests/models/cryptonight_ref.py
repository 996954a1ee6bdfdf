#!/usr/bin/python3
"""An independent, slow reference of cjd-miner's CryptoNight-style hash, for its known-answer test.

Written from the CryptoNote standard's description (Keccak-1600 state, AES-256 key schedule,
scratchpad explode, the AES-round/64-bit-multiply main loop, implode, Keccak-f), not from the
C code. The AES round, key schedules and Keccak are first checked here against the FIPS-197
and Keccak-256 published vectors, so a mismatch with the miner points at the miner.

Usage: cryptonight_ref.py selftest
       cryptonight_ref.py hash MEM_BYTES ITERATIONS NONCE...   (one "nonce hex" line each,
                                                               as cjd-miner --print writes)
"""
import sys

MASK64 = (1 << 64) - 1

# ---- AES (FIPS-197), one round at a time as the AESENC instruction does ----


def _sbox():
    inv = [0] * 256
    for a in range(1, 256):  # multiplicative inverses in GF(2^8)
        for b in range(1, 256):
            if _gmul(a, b) == 1:
                inv[a] = b
                break
    box = []
    for a in range(256):
        x = inv[a]
        s = x
        for k in range(1, 5):
            s ^= ((x << k) | (x >> (8 - k))) & 0xFF
        box.append(s ^ 0x63)
    return box


def _gmul(a, b):
    p = 0
    while b:
        if b & 1:
            p ^= a
        a = ((a << 1) ^ 0x1B) & 0xFF if a & 0x80 else a << 1
        b >>= 1
    return p


SBOX = _sbox()
MUL2 = [_gmul(x, 2) for x in range(256)]
MUL3 = [_gmul(x, 3) for x in range(256)]


def aes_round(s, k, last=False):
    """AESENC (or AESENCLAST): ShiftRows, SubBytes, MixColumns (not in the last round), xor k.
    s and k are 16-byte sequences in the instruction's byte order (column-major state)."""
    t = [SBOX[s[(i + 4 * (i % 4)) % 16]] for i in range(16)]  # ShiftRows then SubBytes
    if not last:
        m = []
        for c in range(4):
            a0, a1, a2, a3 = t[4 * c:4 * c + 4]
            m += [MUL2[a0] ^ MUL3[a1] ^ a2 ^ a3, a0 ^ MUL2[a1] ^ MUL3[a2] ^ a3,
                  a0 ^ a1 ^ MUL2[a2] ^ MUL3[a3], MUL3[a0] ^ a1 ^ a2 ^ MUL2[a3]]
        t = m
    return bytes(x ^ y for x, y in zip(t, k))


def key_expand(key, rounds):
    """The AES key schedule for a 16- or 32-byte key: rounds + 1 round keys of 16 bytes."""
    nk = len(key) // 4
    w = [list(key[4 * i:4 * i + 4]) for i in range(nk)]
    rcon = 1
    while len(w) < 4 * (rounds + 1):
        t = list(w[-1])
        if len(w) % nk == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _gmul(rcon, 2)
        elif nk > 6 and len(w) % nk == 4:
            t = [SBOX[b] for b in t]
        w.append([a ^ b for a, b in zip(w[-nk], t)])
    return [bytes(sum(w[4 * r:4 * r + 4], [])) for r in range(rounds + 1)]


def aes_encrypt(key, block):
    rounds = {16: 10, 32: 14}[len(key)]
    rk = key_expand(key, rounds)
    s = bytes(x ^ y for x, y in zip(block, rk[0]))
    for r in range(1, rounds):
        s = aes_round(s, rk[r])
    return aes_round(s, rk[rounds], last=True)


# ---- Keccak-f[1600] and the original Keccak padding (CryptoNight's keccak1600) ----

RC = []
_r = 1
for _ in range(24):
    c = 0
    for j in range(7):
        if _r & 1:
            c |= 1 << ((1 << j) - 1)
        _r = ((_r << 1) ^ 0x71) & 0xFF if _r & 0x80 else _r << 1
    RC.append(c)
ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
       [27, 20, 39, 8, 14]]  # ROT[x][y]


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & MASK64 if n else v


def keccakf(st):
    """st: 25 lanes, lane x + 5y."""
    for rnd in range(24):
        c = [st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        st = [st[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rol(st[x + 5 * y], ROT[x][y])
        st = [b[i] ^ ((~b[(i % 5 + 1) % 5 + 5 * (i // 5)]) & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
              for i in range(25)]
        st[0] ^= RC[rnd]
    return st


def lanes(b):
    return [int.from_bytes(b[8 * i:8 * i + 8], "little") for i in range(25)]


def unlanes(st):
    return b"".join(v.to_bytes(8, "little") for v in st)


def keccak1600(data):
    """The 200-byte state after absorbing data with rate 136 and padding 0x01 ... 0x80."""
    rate = 136
    p = bytearray(data) + b"\x01" + b"\x00" * ((-len(data) - 1) % rate)
    p[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(p), rate):
        blk = lanes(bytes(p[off:off + rate]) + b"\x00" * (200 - rate))
        st = keccakf([a ^ b for a, b in zip(st, blk)])
    return unlanes(st)


# ---- the CryptoNight-style hash ----


def cryptonight(data, mem, iters):
    state = keccak1600(data)
    # Explode: 10 AESENC rounds with the first 10 AES-256 round keys of state[0:32], per block.
    rk = key_expand(state[0:32], 14)[:10]
    text = [state[64 + 16 * i:80 + 16 * i] for i in range(8)]
    sp = bytearray(mem)
    for off in range(0, mem, 128):
        for i in range(8):
            b = text[i]
            for k in rk:
                b = aes_round(b, k)
            text[i] = b
        sp[off:off + 128] = b"".join(text)
    # Main loop: one AES round and one 64x64->128 multiply per iteration.
    m = mem - 16
    a = bytes(x ^ y for x, y in zip(state[0:16], state[32:48]))
    b = bytes(x ^ y for x, y in zip(state[16:32], state[48:64]))
    for _ in range(iters):
        j = int.from_bytes(a[0:8], "little") & m
        c = aes_round(sp[j:j + 16], a)
        sp[j:j + 16] = bytes(x ^ y for x, y in zip(b, c))
        b = c
        j = int.from_bytes(c[0:8], "little") & m
        d = bytes(sp[j:j + 16])
        prod = int.from_bytes(c[0:8], "little") * int.from_bytes(d[0:8], "little")
        a0 = (int.from_bytes(a[0:8], "little") + (prod >> 64)) & MASK64
        a1 = (int.from_bytes(a[8:16], "little") + (prod & MASK64)) & MASK64
        a = a0.to_bytes(8, "little") + a1.to_bytes(8, "little")
        sp[j:j + 16] = a
        a = bytes(x ^ y for x, y in zip(a, d))
    # Implode: xor the scratchpad into the text, 10 rounds with state[32:64]'s keys each time.
    rk = key_expand(state[32:64], 14)[:10]
    text = [state[64 + 16 * i:80 + 16 * i] for i in range(8)]
    for off in range(0, mem, 128):
        for i in range(8):
            blk = bytes(x ^ y for x, y in zip(text[i], sp[off + 16 * i:off + 16 * i + 16]))
            for k in rk:
                blk = aes_round(blk, k)
            text[i] = blk
    st = lanes(state[0:64] + b"".join(text) + state[192:200])
    # CryptoNight then hashes the permuted state with one of four functions; here: its first
    # 32 bytes (see algo_cryptonight.c).
    return unlanes(keccakf(st))[0:32]


def make_blob(n):
    """cjd-miner's fixed job blob (miner.c make_blob)."""
    x = 0x9E3779B97F4A7C15
    out = bytearray()
    for _ in range(n):
        x ^= (x << 13) & MASK64
        x ^= x >> 7
        x ^= (x << 17) & MASK64
        out.append(x & 0xFF)
    return out


def selftest():
    ok = True

    def check(what, got, want):
        nonlocal ok
        good = got.hex() == want
        print("%s %s" % ("ok  " if good else "FAIL", what))
        ok = ok and good

    pt = bytes.fromhex("00112233445566778899aabbccddeeff")
    check("AES-128 FIPS-197 C.1", aes_encrypt(bytes(range(16)), pt),
          "69c4e0d86a7b0430d8cdb78070b4c55a")
    check("AES-256 FIPS-197 C.3", aes_encrypt(bytes(range(32)), pt),
          "8ea2b7ca516745bfeafc49904b496089")
    check("Keccak-256('')", keccak1600(b"")[0:32],
          "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    check("Keccak-256('abc')", keccak1600(b"abc")[0:32],
          "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    return ok


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "selftest":
        sys.exit(0 if selftest() else 1)
    if len(sys.argv) < 5 or sys.argv[1] != "hash":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mem, iters = int(sys.argv[2]), int(sys.argv[3])
    blob = make_blob(76)
    for n in sys.argv[4:]:
        blob[39:43] = int(n).to_bytes(4, "little")
        print("%s %s" % (n, cryptonight(bytes(blob), mem, iters).hex()))


if __name__ == "__main__":
    main()
