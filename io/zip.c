/* zip.c — the subset of the zip format (PKWARE APPNOTE 6.3) that .npz uses:
 * members stored (method 0) or raw-deflated (method 8, zlib), each a local
 * header + data, then a central directory and its end record. No zip64, no
 * encryption, no multi-disk archives: such files are refused by name.
 *
 * Writing fixes every timestamp to 1980-01-01 00:00 so that saving the same
 * tensors twice gives the same bytes. Reading never trusts an offset or size:
 * every one is checked against the buffer before use, and a deflated member may
 * not claim more than deflate's maximum expansion (1032:1) of its data. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io_internal.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define END_LEN 22
#define DOS_DATE_1980 0x0021 /* day 1, month 1, year 1980 + 0 */
#define MAX_MEMBER 0xFFFFFFFEu /* above this zip64 would be needed */

int nb_zip_begin(nb_zip_writer *z, const char *who, const char *path) {
    memset(z, 0, sizeof *z);
    return nb_atomic_open(&z->af, who, path);
}

void nb_zip_abort(nb_zip_writer *z) {
    nb_atomic_abort(&z->af);
    free(z->cd);
    z->cd = NULL;
}

/* Fills the fields common to local and central headers, from `version needed`
 * on: version, flags, method, time, date, crc, sizes, name length. */
static void common_fields(uint8_t *p, int method, uint32_t crc, size_t csize, size_t usize,
                          size_t name_len) {
    nb_put16(p, 20); /* version 2.0: deflate */
    nb_put16(p + 2, 0);
    nb_put16(p + 4, (uint32_t)method);
    nb_put16(p + 6, 0);
    nb_put16(p + 8, DOS_DATE_1980);
    nb_put32(p + 10, crc);
    nb_put32(p + 14, (uint32_t)csize);
    nb_put32(p + 18, (uint32_t)usize);
    nb_put16(p + 22, (uint32_t)name_len);
}

/* zlib counts in 32-bit unsigned: big buffers go through in 1 GiB chunks. */
#define CHUNK ((size_t)1 << 30)
static uInt chunk(size_t left) { return (uInt)(left < CHUNK ? left : CHUNK); }

/* Raw deflate of the parts into a malloc'ed buffer; NULL when zlib fails. Level
 * 1: float weights barely compress, so a higher level costs time for nothing. */
static uint8_t *deflate_parts(int n, const void *const *parts, const size_t *sizes, size_t total,
                              size_t *out_len) {
    z_stream s = {0};
    if (deflateInit2(&s, Z_BEST_SPEED, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&s, total) + 16; /* deflate never needs more */
    uint8_t *out = malloc(cap);
    int rc = out ? Z_OK : Z_MEM_ERROR;
    s.next_out = out;
    for (int i = 0; i < n && rc == Z_OK; i++)
        for (size_t off = 0; off < sizes[i] && rc == Z_OK;) {
            s.next_in = (Bytef *)parts[i] + off;
            s.avail_in = chunk(sizes[i] - off);
            s.avail_out = chunk(cap - s.total_out);
            uInt before = s.avail_in;
            rc = deflate(&s, Z_NO_FLUSH);
            off += before - s.avail_in;
        }
    while (rc == Z_OK) {
        s.avail_out = chunk(cap - s.total_out);
        rc = deflate(&s, Z_FINISH);
    }
    *out_len = s.total_out;
    deflateEnd(&s);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static bool write_all(nb_zip_writer *z, const void *p, size_t n) {
    if (n && fwrite(p, 1, n, z->af.f) != n) return false;
    z->offset += n;
    return true;
}

static int add_central(nb_zip_writer *z, const char *name, size_t name_len, int method, uint32_t crc,
                       size_t csize, size_t usize, uint64_t local_off) {
    size_t need = z->cd_len + CENTRAL_LEN + name_len;
    if (need > z->cd_cap) {
        size_t cap = 2 * need;
        uint8_t *cd = realloc(z->cd, cap);
        if (!cd) return nb_io_fail("%s: %s: out of memory", z->af.who, z->af.path);
        z->cd = cd;
        z->cd_cap = cap;
    }
    uint8_t *p = z->cd + z->cd_len;
    memset(p, 0, CENTRAL_LEN);
    nb_put32(p, SIG_CENTRAL);
    nb_put16(p + 4, 20); /* made by: version 2.0 */
    common_fields(p + 6, method, crc, csize, usize, name_len);
    nb_put32(p + 42, (uint32_t)local_off);
    memcpy(p + CENTRAL_LEN, name, name_len);
    z->cd_len = need;
    z->count++;
    return 0;
}

int nb_zip_add(nb_zip_writer *z, const char *name, int n, const void *const *parts,
               const size_t *sizes) {
    const char *who = z->af.who, *path = z->af.path;
    size_t total = 0, name_len = strlen(name);
    uLong crc = crc32(0, NULL, 0);
    for (int i = 0; i < n; i++) {
        total += sizes[i];
        for (size_t off = 0; off < sizes[i]; off += CHUNK)
            crc = crc32(crc, (const Bytef *)parts[i] + off, chunk(sizes[i] - off));
    }
    if (total > MAX_MEMBER || z->offset > MAX_MEMBER || z->count >= 0xFFFF || name_len > 0xFFFF)
        return nb_io_fail("%s: %s: member '%s' of %zu bytes would need zip64, which is not supported",
                          who, path, name, total);
    size_t clen;
    uint8_t *comp = deflate_parts(n, parts, sizes, total, &clen);
    if (!comp) return nb_io_fail("%s: %s: compressing '%s' failed", who, path, name);
    /* like zip tools: keep the member stored when deflate does not help */
    int method = clen < total ? 8 : 0;
    uint8_t h[LOCAL_LEN];
    memset(h, 0, sizeof h);
    nb_put32(h, SIG_LOCAL);
    common_fields(h + 4, method, (uint32_t)crc, method ? clen : total, total, name_len);
    uint64_t local_off = z->offset;
    bool ok = write_all(z, h, sizeof h) && write_all(z, name, name_len);
    if (method)
        ok = ok && write_all(z, comp, clen);
    else
        for (int i = 0; i < n && ok; i++) ok = write_all(z, parts[i], sizes[i]);
    free(comp);
    if (!ok) return nb_io_fail("%s: %s: write failed", who, path);
    return add_central(z, name, name_len, method, (uint32_t)crc, method ? clen : total, total, local_off);
}

int nb_zip_finish(nb_zip_writer *z) {
    if (z->offset + z->cd_len > MAX_MEMBER) {
        nb_io_fail("%s: %s: archive would need zip64, which is not supported", z->af.who, z->af.path);
        nb_zip_abort(z);
        return -1;
    }
    uint8_t e[END_LEN];
    memset(e, 0, sizeof e);
    nb_put32(e, SIG_END);
    nb_put16(e + 8, (uint32_t)z->count);
    nb_put16(e + 10, (uint32_t)z->count);
    nb_put32(e + 12, (uint32_t)z->cd_len);
    nb_put32(e + 16, (uint32_t)z->offset);
    if (!write_all(z, z->cd, z->cd_len) || !write_all(z, e, sizeof e)) {
        nb_io_fail("%s: %s: write failed", z->af.who, z->af.path);
        nb_zip_abort(z);
        return -1;
    }
    free(z->cd);
    z->cd = NULL;
    return nb_atomic_commit(&z->af);
}

/* ---- reading ------------------------------------------------------------------- */

/* The end-of-central-directory record: the last signature in the final 64 KiB +
 * 22 bytes whose comment fits in the file. */
static const uint8_t *find_end(const uint8_t *buf, size_t size) {
    if (size < END_LEN) return NULL;
    size_t lo = size - END_LEN > 0xFFFF ? size - END_LEN - 0xFFFF : 0;
    for (size_t i = size - END_LEN + 1; i-- > lo;)
        if (nb_le32(buf + i) == SIG_END && i + END_LEN + nb_le16(buf + i + 20) <= size) return buf + i;
    return NULL;
}

/* Checks one central record at cd + off (within cd_end) and its local header;
 * fills e and advances *off. */
static int read_member(const uint8_t *buf, size_t cd_start, size_t cd_end, size_t *off, int idx,
                       const char *who, const char *path, nb_zip_entry *e) {
    const uint8_t *p = buf + *off;
    if (cd_end - *off < CENTRAL_LEN || nb_le32(p) != SIG_CENTRAL)
        return nb_io_fail("%s: %s: corrupt central directory at member %d", who, path, idx);
    size_t name_len = nb_le16(p + 28), skip = name_len + nb_le16(p + 30) + nb_le16(p + 32);
    if (cd_end - *off - CENTRAL_LEN < skip)
        return nb_io_fail("%s: %s: member %d's name runs past the central directory", who, path, idx);
    int flags = nb_le16(p + 8);
    e->method = nb_le16(p + 10);
    e->crc = nb_le32(p + 16);
    e->csize = nb_le32(p + 20);
    e->usize = nb_le32(p + 24);
    e->name = (const char *)p + CENTRAL_LEN;
    e->name_len = name_len;
    uint32_t local = nb_le32(p + 42);
    *off += CENTRAL_LEN + skip;
    if (flags & 1) return nb_io_fail("%s: %s: member %d is encrypted (not supported)", who, path, idx);
    if (e->csize == 0xFFFFFFFFu || e->usize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
        return nb_io_fail("%s: %s: member %d needs zip64 (not supported)", who, path, idx);
    if (e->method != 0 && e->method != 8)
        return nb_io_fail("%s: %s: member %d uses compression method %d (only 0 stored and 8 deflate "
                          "are supported)", who, path, idx, e->method);
    if ((e->method == 0 && e->csize != e->usize) ||
        (e->method == 8 && e->usize / 1032 > e->csize + 1))
        return nb_io_fail("%s: %s: member %d: %u bytes cannot expand to %u", who, path, idx, e->csize,
                          e->usize);
    /* the local header repeats the name; the data follows it and precedes the directory */
    if (local > cd_start || cd_start - local < LOCAL_LEN || nb_le32(buf + local) != SIG_LOCAL)
        return nb_io_fail("%s: %s: member %d: bad local header offset %u", who, path, idx, local);
    const uint8_t *l = buf + local;
    size_t data_off = (size_t)local + LOCAL_LEN + nb_le16(l + 26) + nb_le16(l + 28);
    if (nb_le16(l + 26) != name_len || data_off > cd_start ||
        memcmp(l + LOCAL_LEN, e->name, name_len) != 0 || cd_start - data_off < e->csize)
        return nb_io_fail("%s: %s: member %d: local header does not match the directory or its data "
                          "runs past it", who, path, idx);
    e->data = buf + data_off;
    return 0;
}

int nb_zip_list(const uint8_t *buf, size_t size, const char *who, const char *path,
                nb_zip_entry **entries, int *n) {
    *entries = NULL;
    *n = 0;
    const uint8_t *end = find_end(buf, size);
    if (!end) return nb_io_fail("%s: %s: not a zip archive (no end of central directory)", who, path);
    uint32_t count = nb_le16(end + 10), cd_size = nb_le32(end + 12), cd_off = nb_le32(end + 16);
    if (nb_le16(end + 4) || nb_le16(end + 6) || nb_le16(end + 8) != count)
        return nb_io_fail("%s: %s: multi-disk archives are not supported", who, path);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu)
        return nb_io_fail("%s: %s: zip64 archives are not supported", who, path);
    size_t end_pos = (size_t)(end - buf);
    if (cd_off > end_pos || end_pos - cd_off < cd_size)
        return nb_io_fail("%s: %s: central directory (offset %u, %u bytes) lies outside the file", who,
                          path, cd_off, cd_size);
    nb_zip_entry *es = malloc((count ? count : 1) * sizeof *es);
    if (!es) return nb_io_fail("%s: %s: out of memory", who, path);
    size_t off = cd_off;
    for (uint32_t i = 0; i < count; i++)
        if (read_member(buf, cd_off, (size_t)cd_off + cd_size, &off, (int)i, who, path, &es[i])) {
            free(es);
            return -1;
        }
    *entries = es;
    *n = (int)count;
    return 0;
}

int nb_zip_extract(const nb_zip_entry *e, const char *who, const char *path, uint8_t **out) {
    int nl = (int)e->name_len;
    uint8_t *buf = malloc(e->usize ? e->usize : 1);
    *out = NULL;
    if (!buf) return nb_io_fail("%s: %s: '%.*s': out of memory for %u bytes", who, path, nl, e->name, e->usize);
    if (e->method == 0) {
        if (e->usize) memcpy(buf, e->data, e->usize);
    } else {
        z_stream s = {0};
        const char *msg = NULL;
        int rc = inflateInit2(&s, -MAX_WBITS);
        if (rc == Z_OK) {
            s.next_in = (Bytef *)e->data;
            s.avail_in = e->csize;
            s.next_out = buf;
            s.avail_out = e->usize;
            rc = inflate(&s, Z_FINISH);
            if (rc == Z_STREAM_END && (s.total_out != e->usize || s.avail_in)) rc = Z_BUF_ERROR;
            if (rc != Z_STREAM_END) msg = rc == Z_BUF_ERROR ? "sizes do not match" : s.msg;
            inflateEnd(&s);
        }
        if (rc != Z_STREAM_END) {
            free(buf);
            return nb_io_fail("%s: %s: '%.*s': corrupt or truncated deflate data (%s)", who, path, nl,
                              e->name, msg ? msg : "zlib error");
        }
    }
    uLong crc = crc32(crc32(0, NULL, 0), buf, e->usize);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    crc = e->crc; /* let the fuzzer past the checksum, into the .npy parser */
#endif
    if (crc != e->crc) {
        free(buf);
        return nb_io_fail("%s: %s: '%.*s': CRC-32 mismatch (stored %08x, computed %08lx)", who, path, nl,
                          e->name, e->crc, crc);
    }
    *out = buf;
    return 0;
}
