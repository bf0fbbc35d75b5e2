#!/usr/bin/env python3
"""fanogan_patterns.py OUT SIZE N_TRAIN N_TEST SEED — a small anomaly data set
of 8-bit gray PNGs in plain folders for the fanogan tests:
  OUT/train/NNN.png        normal: horizontal stripes
  OUT/test/good/NNN.png    normal: horizontal stripes
  OUT/test/vertical/NNN.png   anomalous: the same stripes turned vertical
Each image draws its own phase and period (5 to 8 pixels) and a little noise,
so normal and anomalous images have the same pixel statistics: only the
orientation tells them apart, which a model must learn from the normal ones."""
import math, os, random, struct, sys, zlib

def png(path, size, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[r * size:(r + 1) * size]) for r in range(size))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def stripes(size, rng, vertical):
    period, phase = rng.uniform(5, 8), rng.uniform(0, 2 * math.pi)
    out = []
    for r in range(size):
        for c in range(size):
            t = c if vertical else r
            v = 128 + 90 * math.sin(2 * math.pi * t / period + phase) + rng.gauss(0, 6)
            out.append(max(0, min(255, int(round(v)))))
    return out

def main():
    out, size, n_train, n_test, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    for sub, count, vertical in (("train", n_train, False), ("test/good", n_test, False), ("test/vertical", n_test, True)):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for i in range(count):
            png(os.path.join(out, sub, "%03d.png" % i), size, stripes(size, rng, vertical))

main()
