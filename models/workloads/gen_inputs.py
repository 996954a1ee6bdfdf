#!/usr/bin/python3
"""Generates the corpus's input files deterministically (fixed seeds, no network)."""
import os
import random
import sys

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there been one all we their has would when if "
         "so no will can more other its into only some could time these two may then do first any "
         "my now such like our over man me even most made after also did many before must through "
         "back years where much your way well down should because each just those people how too "
         "little state good very make world still own see men work long get here between both life "
         "being under never day same another know while last might us great old year off come since "
         "against go came right used take three server request cache kernel memory thread process "
         "packet network buffer index query table column value error warning debug").split()


def text(path, size, seed):
    """Pseudo-English prose mixed with structured log lines: compresses like real text."""
    rnd = random.Random(seed)
    with open(path, "w") as f:
        n = 0
        line_no = 0
        while n < size:
            line_no += 1
            if line_no % 5 == 0:
                s = ("2026-11-%02d %02d:%02d:%02d host%d app[%d]: %s id=%d latency_ms=%d status=%d\n"
                     % (rnd.randint(1, 28), rnd.randint(0, 23), rnd.randint(0, 59),
                        rnd.randint(0, 59), rnd.randint(1, 40), rnd.randint(100, 9999),
                        " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 8))),
                        rnd.randint(0, 10**6), int(rnd.expovariate(0.05)),
                        rnd.choice((200, 200, 200, 200, 304, 404, 500))))
            else:
                s = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 18)))
                s = s[0].upper() + s[1:] + ".\n"
            f.write(s)
            n += len(s)


def binary(path, size, seed):
    """Incompressible bytes (a seeded PRNG), for hashing and as a hard compression input."""
    rnd = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            k = min(left, 1 << 20)
            f.write(rnd.randbytes(k))
            left -= k


def csv(path, rows, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for i in range(rows):
            f.write("%d,%s,%s,%d,%.2f\n" % (i, rnd.choice(WORDS), rnd.choice(WORDS),
                                            rnd.randint(0, 1000), rnd.random() * 1000))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    text(os.path.join(out, "text.txt"), 48 << 20, 1)
    binary(os.path.join(out, "random.bin"), 192 << 20, 2)
    csv(os.path.join(out, "rows.csv"), 200000, 3)
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write("<html><body>" + "<p>cjd corpus page</p>" * 700 + "</body></html>\n")


if __name__ == "__main__":
    main()
