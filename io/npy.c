/* npy.c — the NumPy .npy format: "\x93NUMPY", a version (1.0 written; 1.0,
 * 2.0 and 3.0 read), the length of an ASCII header, the header — a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } — then the
 * raw little-endian C-order data. The parser accepts exactly that dict (any key
 * order, either quote, optional trailing commas) and nothing else, and checks
 * that the data is exactly numel * itemsize bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "io_internal.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the .npy code assumes a little-endian host");

size_t nb_npy_header(char *buf, const char *descr, int ndim, const int64_t *shape) {
    char dict[200];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int d = 0; d < ndim; d++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, d ? ", %lld" : "%lld", (long long)shape[d]);
    k += snprintf(dict + k, sizeof dict - (size_t)k, ndim == 1 ? ",), }" : "), }");
    size_t total = (10 + (size_t)k + 1 + 63) / 64 * 64; /* + '\n', rounded up to 64 */
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    nb_put16((uint8_t *)buf + 8, (uint32_t)(total - 10));
    memcpy(buf + 10, dict, (size_t)k);
    memset(buf + 10 + k, ' ', total - 10 - (size_t)k - 1);
    buf[total - 1] = '\n';
    return total;
}

/* ---- parsing the header dict ---------------------------------------------------- */

typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static bool eat(cursor *c, char ch) {
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A quoted string of at most cap-1 characters into out. */
static bool string(cursor *c, char *out, size_t cap) {
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (n + 1 >= cap) return false;
        out[n++] = *c->p++;
    }
    out[n] = 0;
    return c->p < c->end && *c->p++ == q;
}

static bool word(cursor *c, const char *w) {
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return false;
    c->p += n;
    return true;
}

/* (d0, d1, ...) with optional trailing comma; each d a non-negative integer. */
static bool shape_tuple(cursor *c, nb_npy *a) {
    if (!eat(c, '(')) return false;
    a->ndim = 0;
    while (!eat(c, ')')) {
        if (a->ndim == NB_MAX_DIMS) return false;
        skip_ws(c);
        int64_t v = 0;
        const char *start = c->p;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > ((int64_t)1 << 50)) return false; /* far beyond any file this reads */
            v = v * 10 + (*c->p++ - '0');
        }
        if (c->p == start) return false;
        word(c, "L"); /* Python 2 longs */
        a->shape[a->ndim++] = v;
        if (!eat(c, ',')) {
            if (!eat(c, ')')) return false;
            break;
        }
    }
    return true;
}

static const struct {
    const char *descr;
    int itemsize;
    bool is_int;
} dtypes[] = {{"<f4", 4, false}, {"<f8", 8, false}, {"<i8", 8, true}, {"<i4", 4, true}, {"|u1", 1, true}};

static int set_descr(nb_npy *a, const char *d) {
    if (!strcmp(d, "<u1")) d = "|u1"; /* byte order means nothing for one byte */
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(d, dtypes[i].descr)) {
            memcpy(a->descr, dtypes[i].descr, 4);
            a->itemsize = dtypes[i].itemsize;
            a->is_int = dtypes[i].is_int;
            return 0;
        }
    return -1;
}

/* Parses the dict; on failure returns a short reason. */
static const char *parse_dict(cursor *c, nb_npy *a) {
    bool seen[3] = {false, false, false};
    char key[32], val[32];
    if (!eat(c, '{')) return "header is not a dict";
    while (!eat(c, '}')) {
        if (!string(c, key, sizeof key) || !eat(c, ':')) return "malformed header dict";
        int k = !strcmp(key, "descr") ? 0 : !strcmp(key, "fortran_order") ? 1 : !strcmp(key, "shape") ? 2 : -1;
        if (k < 0) return "unknown key in header";
        if (seen[k]) return "repeated key in header";
        seen[k] = true;
        if (k == 0) {
            if (!string(c, val, sizeof val)) return "malformed descr";
            if (set_descr(a, val))
                return val[0] == '>' ? "big-endian data is not supported"
                                     : "unsupported dtype (want <f4, <f8, <i8, <i4 or |u1)";
        } else if (k == 1) {
            if (word(c, "True")) return "fortran_order arrays are not supported";
            if (!word(c, "False")) return "malformed fortran_order";
        } else if (!shape_tuple(c, a)) {
            return "malformed shape (or more than 6 dims)";
        }
        if (!eat(c, ',')) {
            if (!eat(c, '}')) return "malformed header dict";
            break;
        }
    }
    skip_ws(c);
    if (c->p != c->end) return "trailing characters after the header dict";
    if (!seen[0] || !seen[1] || !seen[2]) return "header lacks descr, fortran_order or shape";
    return NULL;
}

int nb_npy_parse(const uint8_t *buf, size_t size, const char *who, const char *path, const char *member,
                 nb_npy *out) {
    memset(out, 0, sizeof *out);
    if (size < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return nb_io_fail("%s: %s: '%s': not a .npy array (bad magic)", who, path, member);
    int major = buf[6];
    if (major < 1 || major > 3 || buf[7] != 0)
        return nb_io_fail("%s: %s: '%s': unsupported .npy version %d.%d", who, path, member, major, buf[7]);
    size_t start = major == 1 ? 10 : 12;
    if (size < start) return nb_io_fail("%s: %s: '%s': truncated .npy header", who, path, member);
    size_t hlen = major == 1 ? nb_le16(buf + 8) : nb_le32(buf + 8);
    if (hlen > size - start) return nb_io_fail("%s: %s: '%s': truncated .npy header", who, path, member);
    cursor c = {(const char *)buf + start, (const char *)buf + start + hlen};
    const char *why = parse_dict(&c, out);
    if (why) return nb_io_fail("%s: %s: '%s': %s", who, path, member, why);
    size_t avail = size - start - hlen;
    out->numel = 1;
    for (int d = 0; d < out->ndim; d++)
        if (out->shape[d] == 0) out->numel = 0;
    for (int d = 0; d < out->ndim && out->numel; d++) {
        /* numel * 8 stays below 2^63, so neither product overflows */
        if (out->numel > (INT64_MAX / 8) / out->shape[d])
            return nb_io_fail("%s: %s: '%s': shape has too many elements", who, path, member);
        out->numel *= out->shape[d];
    }
    if ((size_t)out->numel * (size_t)out->itemsize != avail)
        return nb_io_fail("%s: %s: '%s': %zu bytes of data for %lld elements of %s", who, path, member,
                          avail, (long long)out->numel, out->descr);
    out->data = buf + start + hlen;
    return 0;
}
