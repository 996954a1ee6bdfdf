#!/usr/bin/python3
"""Benign bignum workload on GMP (gmpy2): RSA-style prime search, modular powers, pi digits; forever."""
import sys

import gmpy2
from gmpy2 import mpz


def pi_digits(n):
    """n digits of pi by Machin's formula in fixed point."""
    one = mpz(10) ** (n + 10)

    def arctan_inv(x):
        total = term = one // x
        x2, k, sign = x * x, 3, -1
        while term:
            term //= x2
            total += sign * (term // k)
            sign, k = -sign, k + 2
        return total

    return (4 * (4 * arctan_inv(5) - arctan_inv(239))) // mpz(10) ** 10


def main():
    state = gmpy2.random_state(42)
    rounds = 0
    while True:
        # Two 1024-bit probable primes and an RSA modulus, as key generation does.
        p = gmpy2.next_prime(gmpy2.mpz_urandomb(state, 1024) | (mpz(1) << 1023))
        q = gmpy2.next_prime(gmpy2.mpz_urandomb(state, 1024) | (mpz(1) << 1023))
        n, e = p * q, mpz(65537)
        d = gmpy2.invert(e, (p - 1) * (q - 1))
        m = gmpy2.mpz_urandomb(state, 2000)
        assert gmpy2.powmod(gmpy2.powmod(m, e, n), d, n) == m
        digits = pi_digits(20000)
        rounds += 1
        if rounds % 10 == 0:
            print("round %d: %d %s" % (rounds, n.bit_length(), str(digits)[-8:]), file=sys.stderr)


if __name__ == "__main__":
    main()
