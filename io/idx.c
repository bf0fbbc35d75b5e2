/* idx.c — IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic
 * (0, 0, type, ndim), ndim big-endian uint32 sizes, then the row-major data.
 * Only unsigned bytes (type 0x08) are read: images [N,H,W] and labels [N].
 * Files are read through zlib's gzread, which passes plain files through, so
 * "x-ubyte" and "x-ubyte.gz" both work. The data must be exactly as long as the
 * header says; it is read in growing chunks, so a header claiming billions of
 * items costs no memory until the bytes are really there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io_internal.h"

#define MAX_BYTES ((int64_t)1 << 32)

/* A byte source: a gzFile or a memory buffer. read returns the bytes read (< n
 * only at the end) or -1 with src->err set. */
typedef struct {
    gzFile gz;
    const uint8_t *mem;
    size_t size, off;
    const char *err;
} source;

static int64_t src_read(source *s, uint8_t *dst, int64_t n) {
    if (!s->gz) {
        int64_t left = (int64_t)(s->size - s->off), k = n < left ? n : left;
        if (k) memcpy(dst, s->mem + s->off, (size_t)k);
        s->off += (size_t)k;
        return k;
    }
    int64_t got = 0;
    while (got < n) {
        unsigned want = n - got > (1 << 30) ? 1u << 30 : (unsigned)(n - got);
        int k = gzread(s->gz, dst + got, want);
        if (k < 0) {
            int errnum;
            s->err = gzerror(s->gz, &errnum);
            return -1;
        }
        if (k == 0) break;
        got += k;
    }
    return got;
}

/* Reads the header into out (dims, size); 0 or -1 with the error set. */
static int read_header(source *s, const char *name, nb_idx *out) {
    uint8_t h[4 + 4 * 4];
    int64_t got = src_read(s, h, 4);
    if (got < 0) return nb_io_fail("idx: %s: %s", name, s->err);
    if (got < 4) return nb_io_fail("idx: %s: truncated header (%lld of 4 bytes)", name, (long long)got);
    if (h[0] || h[1]) return nb_io_fail("idx: %s: bad magic %02x %02x (want 00 00)", name, h[0], h[1]);
    if (h[2] != 0x08)
        return nb_io_fail("idx: %s: unsupported data type 0x%02x (only unsigned bytes, 0x08)", name, h[2]);
    if (h[3] < 1 || h[3] > 4)
        return nb_io_fail("idx: %s: %d dimensions (1 to 4 are supported)", name, h[3]);
    out->ndim = h[3];
    got = src_read(s, h + 4, 4 * out->ndim);
    if (got < 0) return nb_io_fail("idx: %s: %s", name, s->err);
    if (got < 4 * out->ndim)
        return nb_io_fail("idx: %s: truncated header (%lld of %d bytes of sizes)", name,
                            (long long)got, 4 * out->ndim);
    out->size = 1;
    for (int d = 0; d < out->ndim; d++) {
        out->dims[d] = nb_be32(h + 4 + 4 * d);
        /* checked before multiplying: size <= 2^32 and each dim < 2^32, so no overflow */
        if (out->dims[d] && out->size > MAX_BYTES / out->dims[d])
            return nb_io_fail("idx: %s: header claims more than 2^32 bytes of data", name);
        out->size *= out->dims[d];
    }
    return 0;
}

static int read_data(source *s, const char *name, nb_idx *out) {
    int64_t cap = 0, have = 0;
    uint8_t *buf = NULL;
    while (have < out->size) {
        int64_t next = cap ? 2 * cap : 1 << 20;
        if (next > out->size) next = out->size;
        uint8_t *nb = realloc(buf, (size_t)next);
        if (!nb) {
            free(buf);
            return nb_io_fail("idx: %s: out of memory for %lld bytes", name, (long long)next);
        }
        buf = nb;
        cap = next;
        int64_t got = src_read(s, buf + have, cap - have);
        if (got >= 0) have += got;
        if (got < 0 || have < cap) {
            free(buf);
            if (got < 0) return nb_io_fail("idx: %s: %s", name, s->err);
            return nb_io_fail("idx: %s: truncated: the header promises %lld bytes of data, the file "
                                "has %lld", name, (long long)out->size, (long long)have);
        }
    }
    uint8_t extra;
    int64_t more = src_read(s, &extra, 1);
    if (more != 0) {
        free(buf);
        if (more < 0) return nb_io_fail("idx: %s: %s", name, s->err);
        return nb_io_fail("idx: %s: trailing bytes after the %lld bytes of data the header promises",
                            name, (long long)out->size);
    }
    out->data = buf ? buf : malloc(1); /* an empty array still gets a pointer to free */
    if (!out->data) return nb_io_fail("idx: %s: out of memory", name);
    return 0;
}

static int read_idx(source *s, const char *name, nb_idx *out) {
    memset(out, 0, sizeof *out);
    if (read_header(s, name, out) || read_data(s, name, out)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

int nb_idx_read(const char *path, nb_idx *out) {
    source s = {0};
    s.gz = gzopen(path, "rb");
    if (!s.gz) {
        memset(out, 0, sizeof *out);
        nb_error_set("idx: %s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    int rc = read_idx(&s, path, out);
    gzclose(s.gz);
    return rc;
}

int nb_idx_read_mem(const void *data, size_t size, const char *name, nb_idx *out) {
    source s = {.mem = data, .size = size};
    return read_idx(&s, name, out);
}

void nb_idx_free(nb_idx *idx) {
    if (!idx) return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
