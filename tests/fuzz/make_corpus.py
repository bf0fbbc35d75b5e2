#!/usr/bin/env python3
"""make_corpus.py — writes the fuzzers' seed corpus (tests/fuzz/corpus/<target>/):
small PNGs of every colour type and bit depth (one interlaced), .npz archives
(deflated and stored members, several dtypes) and IDX files (plain and gzip).
Uses only the standard library; the output is committed, so running this is
needed only to change the seeds."""
import gzip, io, os, struct, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(w, h, depth, ctype, rows, plte=None, trns=None, interlace=False):
    """rows: h lists of per-pixel sample tuples; packs them at `depth` bits."""
    def pack(row):
        bits, nbits = 0, 0
        outb = bytearray()
        for px in row:
            for v in px:
                if depth == 16:
                    outb += struct.pack(">H", v)
                elif depth == 8:
                    outb.append(v)
                else:
                    bits = (bits << depth) | v
                    nbits += depth
                    if nbits == 8:
                        outb.append(bits)
                        bits, nbits = 0, 0
        if nbits:
            outb.append(bits << (8 - nbits))
        return bytes(outb)

    raw = bytearray()
    if interlace:  # Adam7: (x0, y0, dx, dy) of the seven passes
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                               (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            for y in range(y0, h, dy):
                sub = rows[y][x0::dx]
                if sub:
                    raw += b"\0" + pack(sub)
    else:
        for r in rows:
            raw += b"\0" + pack(r)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    s = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte:
        s += chunk(b"PLTE", bytes(plte))
    if trns:
        s += chunk(b"tRNS", bytes(trns))
    return s + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def grid(w, h, f):
    return [[f(x, y) for x in range(w)] for y in range(h)]


out("png", "gray1.png", png(5, 3, 1, 0, grid(5, 3, lambda x, y: ((x + y) % 2,))))
out("png", "gray2.png", png(3, 2, 2, 0, grid(3, 2, lambda x, y: ((x + y) % 4,))))
out("png", "gray8.png", png(4, 4, 8, 0, grid(4, 4, lambda x, y: (x * 60 + y,))))
out("png", "gray16.png", png(3, 2, 16, 0, grid(3, 2, lambda x, y: (x * 30000 + y,))))
out("png", "graya8.png", png(2, 2, 8, 4, grid(2, 2, lambda x, y: (x * 200, 128))))
out("png", "rgb8.png", png(3, 3, 8, 2, grid(3, 3, lambda x, y: (x * 100, y * 100, 50))))
out("png", "rgb16.png", png(2, 2, 16, 2, grid(2, 2, lambda x, y: (x * 65535, y * 1000, 7))))
out("png", "rgba8.png", png(2, 2, 8, 6, grid(2, 2, lambda x, y: (255, x * 255, y * 255, 10))))
out("png", "pal4.png", png(5, 2, 4, 3, grid(5, 2, lambda x, y: ((x + y) % 3,)),
                           plte=[255, 0, 0, 0, 255, 0, 0, 0, 255], trns=[0, 128]))
out("png", "adam7.png", png(9, 9, 8, 2, grid(9, 9, lambda x, y: (x * 28, y * 28, (x ^ y) * 16)),
                            interlace=True))


def npy(descr, shape, data):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    total = (10 + len(d) + 1 + 63) // 64 * 64
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", total - 10) + d.encode()
            + b" " * (total - 11 - len(d)) + b"\n" + data)


def npz(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in members:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


D, S = zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED
out("npz", "f4_deflated.npz", npz([("w.npy", npy("<f4", "(2, 3)", struct.pack("<6f", *range(6))), D)]))
out("npz", "mixed.npz", npz([("b.npy", npy("<f8", "(3,)", struct.pack("<3d", 0.1, 0.2, -7)), S),
                             ("step.npy", npy("<i8", "()", struct.pack("<q", 12345)), D),
                             ("u.npy", npy("|u1", "(2, 2)", bytes([1, 2, 3, 4])), S),
                             ("i.npy", npy("<i4", "(1, 1, 2)", struct.pack("<2i", -1, 5)), D)]))
out("npz", "empty.npz", npz([]))


def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


labels = idx([10], range(10))
images = idx([2, 3, 3], range(18))
out("idx", "labels.idx", labels)
out("idx", "images.idx", images)
out("idx", "labels.idx.gz", gzip.compress(labels, mtime=0))
out("idx", "images.idx.gz", gzip.compress(images, mtime=0))
