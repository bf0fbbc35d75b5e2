/* io_internal.h — what the io/ files share: reading a whole file, writing one
 * atomically (temporary file in the same directory, fsync, rename), and the
 * little-endian byte helpers of the binary formats. Not public API. */
#ifndef NB_IO_INTERNAL_H
#define NB_IO_INTERNAL_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include "nb_io.h"

/* Reads the whole file into a malloc'ed buffer (freed by the caller). Files
 * larger than max_bytes are refused. 0, or -1 with "who: path: reason". */
int nb_read_file(const char *who, const char *path, size_t max_bytes, uint8_t **data, size_t *size);

/* Atomic replacement of a file: open a temporary "<path>.tmp.XXXXXX" beside it,
 * write, then commit (flush, fsync, rename over path, fsync the directory) or
 * abort (close and unlink). Errors name `who` and the path. */
typedef struct {
    FILE *f;
    char *tmp; /* malloc'ed temporary path */
    const char *path;
    const char *who;
} nb_atomic_file;
int nb_atomic_open(nb_atomic_file *af, const char *who, const char *path);
int nb_atomic_commit(nb_atomic_file *af);
void nb_atomic_abort(nb_atomic_file *af);

/* Little-endian loads and stores (the zip and npy formats). */
static inline uint16_t nb_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t nb_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t nb_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline void nb_put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void nb_put32(uint8_t *p, uint32_t v) {
    nb_put16(p, v);
    nb_put16(p + 2, v >> 16);
}

/* nb_error_set that returns -1, for the int-returning readers. */
int nb_io_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strdup that records an error when out of memory. */
char *nb_strdup(const char *s);
/* malloc'ed "a/b" (also records an error when out of memory). */
char *nb_path_join(const char *a, const char *b);

/* ---- zip archives (zip.c): what .npz needs, no zip64, no encryption ---- */
typedef struct {
    nb_atomic_file af;
    uint8_t *cd;        /* the central directory, written at the end */
    size_t cd_len, cd_cap;
    uint64_t offset;    /* bytes written so far */
    int count;
} nb_zip_writer;
int nb_zip_begin(nb_zip_writer *z, const char *who, const char *path);
/* One member whose content is the concatenation of n parts. */
int nb_zip_add(nb_zip_writer *z, const char *name, int n, const void *const *parts,
               const size_t *sizes);
int nb_zip_finish(nb_zip_writer *z); /* central directory, then commit */
void nb_zip_abort(nb_zip_writer *z);

typedef struct {
    const char *name; /* not NUL-terminated: name_len bytes inside the archive */
    size_t name_len;
    int method;       /* 0 stored, 8 deflate */
    uint32_t crc, csize, usize;
    const uint8_t *data; /* csize bytes inside the archive */
} nb_zip_entry;
/* Validates the central directory of the archive in buf and lists its members
 * (*entries malloc'ed, freed by the caller). who/path name the file in errors. */
int nb_zip_list(const uint8_t *buf, size_t size, const char *who, const char *path,
                nb_zip_entry **entries, int *n);
/* Decompresses a member into a malloc'ed buffer of e->usize bytes and checks its
 * CRC-32. */
int nb_zip_extract(const nb_zip_entry *e, const char *who, const char *path, uint8_t **out);

/* ---- .npy arrays (npy.c) ---- */
/* Writes the NPY 1.0 preamble (magic, version, length, the header dict padded
 * with spaces and '\n' to a multiple of 64 bytes) into buf of at least 256
 * bytes; returns its length. */
size_t nb_npy_header(char *buf, const char *descr, int ndim, const int64_t *shape);
typedef struct {
    char descr[4];
    int itemsize;
    bool is_int;
    int ndim;
    int64_t shape[NB_MAX_DIMS];
    int64_t numel;
    const uint8_t *data; /* numel * itemsize bytes, possibly unaligned */
} nb_npy;
/* Parses a .npy file held in buf; errors name "who: path: 'member'". */
int nb_npy_parse(const uint8_t *buf, size_t size, const char *who, const char *path, const char *member,
                 nb_npy *out);

#endif
