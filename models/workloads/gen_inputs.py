#!/usr/bin/python3
"""Generates the corpus's input files deterministically (fixed seeds, no network).

Usage: gen_inputs.py OUT_DIR   (files already there are kept: every file is a pure function of
its seed, so an interrupted or older run is completed, not redone)
"""
import array
import math
import os
import random
import struct
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


def wav(path, seconds, seed):
    """16-bit stereo 44.1 kHz music-like audio: notes of a few partials with decaying
    envelopes, a bass line and a little noise, so an encoder has real work."""
    rnd = random.Random(seed)
    rate = 44100
    n = seconds * rate
    samples = array.array("h", bytes(4 * n))
    note_len = rate // 4
    for start in range(0, n, note_len):
        f = 220.0 * 2 ** (rnd.randint(0, 24) / 12.0)
        bass = 55.0 * 2 ** (rnd.randint(0, 12) / 12.0)
        pan = rnd.random()
        w1, w2, w3, wb = (2 * math.pi * f / rate, 4 * math.pi * f / rate, 6 * math.pi * f / rate,
                          2 * math.pi * bass / rate)
        for k in range(min(note_len, n - start)):
            env = math.exp(-4.0 * k / note_len)
            v = env * (0.5 * math.sin(w1 * k) + 0.25 * math.sin(w2 * k) + 0.12 * math.sin(w3 * k))
            v += 0.3 * math.sin(wb * k) + 0.02 * (rnd.random() - 0.5)
            i = 2 * (start + k)
            samples[i] = int(9000 * v * (0.5 + pan))
            samples[i + 1] = int(9000 * v * (1.5 - pan))
    if sys.byteorder != "little":
        samples.byteswap()
    with open(path, "wb") as out:
        data = samples.tobytes()
        out.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
                  + struct.pack("<IHHIIHH", 16, 1, 2, rate, 4 * rate, 4, 16)
                  + b"data" + struct.pack("<I", len(data)) + data)


def y4m(path, width, height, frames, seed):
    """A 4:2:0 YUV4MPEG2 video: a camera panning over a textured scene with a square moving
    across it (every frame a crop of one larger picture, so generating it is fast)."""
    rnd = random.Random(seed)
    bw, bh = width * 2, height * 2
    noise = rnd.randbytes(bw * bh)
    big = bytearray(bw * bh)
    for y in range(bh):
        row = y * bw
        for x in range(bw):
            v = ((x * x + 3 * y * y) >> 6 ^ (x * y) >> 8) & 127
            big[row + x] = (v + 64 + (noise[row + x] & 31)) & 255
    cw, ch = bw // 2, bh // 2
    chroma_u = bytes(((x // 8 + y // 8) * 9 + 100) & 255 for y in range(ch) for x in range(cw))
    chroma_v = bytes(((x // 16) * 13 + (y // 4) * 3 + 60) & 255 for y in range(ch) for x in range(cw))
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg\n" % (width, height))
        for t in range(frames):
            ox, oy = (3 * t) % (bw - width), (t + (t // 40) * 7) % (bh - height)
            frame = bytearray()
            for y in range(height):
                frame += big[(oy + y) * bw + ox:(oy + y) * bw + ox + width]
            sx, sy = (5 * t) % (width - 40), (height // 3 + (t % 60)) % (height - 40)
            for y in range(sy, sy + 40):
                frame[y * width + sx:y * width + sx + 40] = bytes([235]) * 40
            for plane in (chroma_u, chroma_v):
                for y in range(height // 2):
                    r = (oy // 2 + y) * cw + ox // 2
                    frame += plane[r:r + width // 2]
            out.write(b"FRAME\n" + frame)


def make(path, fn, *args):
    """Writes path with fn(tmp, *args) unless it exists (a rename makes it all or nothing)."""
    if os.path.exists(path):
        return
    fn(path + ".tmp", *args)
    os.replace(path + ".tmp", path)


def page(path):
    with open(path, "w") as f:
        f.write("<html><body>" + "<p>cjd corpus page</p>" * 700 + "</body></html>\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    make(os.path.join(out, "text.txt"), text, 48 << 20, 1)
    make(os.path.join(out, "random.bin"), binary, 192 << 20, 2)
    make(os.path.join(out, "rows.csv"), csv, 200000, 3)
    make(os.path.join(out, "index.html"), page)
    make(os.path.join(out, "music.wav"), wav, 60, 4)
    make(os.path.join(out, "scene.y4m"), y4m, 352, 288, 150, 5)


if __name__ == "__main__":
    main()
