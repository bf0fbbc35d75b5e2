/* test_io_npz.c — .npz checkpoints: round trips in both precisions, the exact
 * .npy header numpy writes, an archive made by an independent zip writer
 * (Python's zipfile, bytes embedded below), a stored archive assembled here byte
 * by byte and every way of breaking it (truncation at every length, bad CRC,
 * offsets, sizes, methods, zip64, encryption, npy headers), loading into
 * existing tensors with every mismatch reported, and atomic saving. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io_internal.h"
#include "io_util.h"
#include "nb_io.h"
#include "test_util.h"

/* Python zipfile: w.npy '<f4' (2,3) deflated, b.npy '<f8' (3,) stored,
 * step.npy '<i8' () deflated = 2^40 + 1. */
static const uint8_t py_fixture[] = {
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0xb6, 0x1f,
    0x28, 0xbe, 0x5a, 0x00, 0x00, 0x00, 0x98, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x77, 0x2e,
    0x6e, 0x70, 0x79, 0x9b, 0xec, 0x17, 0xea, 0x1b, 0x10, 0xc9, 0xc8, 0x50, 0xc6, 0x50, 0xad, 0x9e,
    0x92, 0x5a, 0x9c, 0x5c, 0xa4, 0x6e, 0xa5, 0xa0, 0x6e, 0x93, 0x66, 0xa2, 0xae, 0xa3, 0xa0, 0x9e,
    0x96, 0x5f, 0x54, 0x52, 0x94, 0x98, 0x17, 0x9f, 0x5f, 0x94, 0x92, 0x0a, 0x12, 0x77, 0x4b, 0xcc,
    0x29, 0x4e, 0x05, 0x8a, 0x17, 0x67, 0x24, 0x16, 0xa4, 0x02, 0xf9, 0x1a, 0x46, 0x3a, 0x0a, 0xc6,
    0x9a, 0x3a, 0x0a, 0xb5, 0x0a, 0x64, 0x03, 0x2e, 0x06, 0x86, 0x03, 0xf6, 0x0c, 0x40, 0x82, 0x81,
    0xa1, 0xc1, 0x8e, 0x81, 0xc1, 0xc1, 0x01, 0x48, 0x03, 0x31, 0xc3, 0x3e, 0x00, 0x50, 0x4b, 0x03,
    0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x7c, 0x44, 0xd5, 0xd0, 0x98,
    0x00, 0x00, 0x00, 0x98, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x62, 0x2e, 0x6e, 0x70, 0x79,
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x38, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74,
    0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73,
    0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x33, 0x2c, 0x29,
    0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
    0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xc9, 0x3f,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0xc0, 0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x93, 0xdb, 0x5d, 0xab, 0x47, 0x00, 0x00, 0x00, 0x88, 0x00,
    0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x73, 0x74, 0x65, 0x70, 0x2e, 0x6e, 0x70, 0x79, 0x9b, 0xec,
    0x17, 0xea, 0x1b, 0x10, 0xc9, 0xc8, 0x50, 0xc6, 0x50, 0xad, 0x9e, 0x92, 0x5a, 0x9c, 0x5c, 0xa4,
    0x6e, 0xa5, 0xa0, 0x6e, 0x93, 0x69, 0xa1, 0xae, 0xa3, 0xa0, 0x9e, 0x96, 0x5f, 0x54, 0x52, 0x94,
    0x98, 0x17, 0x9f, 0x5f, 0x94, 0x92, 0x0a, 0x12, 0x77, 0x4b, 0xcc, 0x29, 0x4e, 0x05, 0x8a, 0x17,
    0x67, 0x24, 0x16, 0xa4, 0x02, 0xf9, 0x1a, 0x9a, 0x3a, 0x0a, 0xb5, 0x0a, 0x14, 0x01, 0x2e, 0x46,
    0x06, 0x20, 0x00, 0x12, 0x00, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x21, 0x00, 0xb6, 0x1f, 0x28, 0xbe, 0x5a, 0x00, 0x00, 0x00, 0x98, 0x00, 0x00,
    0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x77, 0x2e, 0x6e, 0x70, 0x79, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x7c, 0x44, 0xd5, 0xd0, 0x98, 0x00, 0x00, 0x00,
    0x98, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x01, 0x7d, 0x00, 0x00, 0x00, 0x62, 0x2e, 0x6e, 0x70, 0x79, 0x50, 0x4b, 0x01, 0x02, 0x14,
    0x03, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x93, 0xdb, 0x5d, 0xab, 0x47,
    0x00, 0x00, 0x00, 0x88, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x80, 0x01, 0x38, 0x01, 0x00, 0x00, 0x73, 0x74, 0x65, 0x70, 0x2e, 0x6e, 0x70,
    0x79, 0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x00, 0x9c, 0x00, 0x00,
    0x00, 0xa5, 0x01, 0x00, 0x00, 0x00, 0x00,
};

static void test_round_trip(void **s) {
    (void)s;
    const char *dir = iu_tmpdir(), *path = iu_path(dir, "ckpt.npz");
    nb_tensor *t[4] = {nb_uniform(NB_SHAPE(2, 3, 4, 5), -3, 3), nb_scalar(42), nb_zeros(NB_SHAPE(0, 3)),
                       nb_full(NB_SHAPE(1000), 0.5)};
    const char *names[4] = {"conv/w", "scale", "empty", "bias"};
    assert_int_equal(nb_npz_save(path, 4, names, t), 0);
    assert_int_equal(iu_count_files(dir), 1); /* no temporary left behind */
    nb_npz z;
    assert_int_equal(nb_npz_load(path, &z), 0);
    assert_int_equal(z.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(z.arrays[i].name, names[i]);
        assert_string_equal(z.arrays[i].dtype, sizeof(nb_real) == 4 ? "<f4" : "<f8");
        assert_null(z.arrays[i].ints);
        assert_true(nb_same_shape(z.arrays[i].tensor, t[i]));
        assert_memory_equal(z.arrays[i].tensor->data, t[i]->data, (size_t)t[i]->numel * sizeof(nb_real));
    }
    assert_ptr_equal(nb_npz_find(&z, "bias"), &z.arrays[3]);
    assert_null(nb_npz_find(&z, "nope"));
    /* saving is deterministic: same tensors, same bytes */
    const char *path2 = iu_path(dir, "again.npz");
    assert_int_equal(nb_npz_save(path2, 4, names, t), 0);
    size_t n1, n2;
    uint8_t *b1 = iu_read(path, &n1), *b2 = iu_read(path2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    TU_NO_ERROR();
}

static void test_int64_entries(void **s) {
    (void)s;
    const char *path = iu_path(iu_tmpdir(), "state.npz");
    int64_t step = ((int64_t)1 << 40) + 1, hist[3] = {-5, 0, 7};
    nb_tensor *w = nb_full(NB_SHAPE(2), 1.25);
    nb_npz_entry e[3] = {{.name = "step", .ints = &step, .ndim = 0},
                         {.name = "hist", .ints = hist, .ndim = 1, .shape = {3}},
                         {.name = "w", .tensor = w}};
    assert_int_equal(nb_npz_write(path, 3, e), 0);
    nb_npz z;
    assert_int_equal(nb_npz_load(path, &z), 0);
    const nb_npz_array *a = nb_npz_find(&z, "step");
    assert_non_null(a);
    assert_string_equal(a->dtype, "<i8");
    assert_int_equal(a->tensor->ndim, 0);
    assert_true(a->ints[0] == step); /* exact, beyond float precision */
    a = nb_npz_find(&z, "hist");
    assert_int_equal(a->ints[0], -5);
    assert_int_equal(a->ints[2], 7);
    tu_assert_close(a->tensor->data, (double[]){-5, 0, 7}, 3, 0);
    tu_assert_close(nb_npz_find(&z, "w")->tensor->data, (double[]){1.25, 1.25}, 2, 0);
    TU_NO_ERROR();
}

static void test_npy_header_matches_numpy(void **s) {
    (void)s;
    char h[256];
    /* what numpy.save writes for np.zeros((2, 3), np.float32): 128 bytes */
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    size_t n = nb_npy_header(h, "<f4", 2, (int64_t[]){2, 3});
    assert_int_equal(n, 128);
    assert_memory_equal(h, "\x93NUMPY\x01\x00\x76\x00", 10);
    assert_memory_equal(h + 10, dict, strlen(dict));
    for (size_t i = 10 + strlen(dict); i < 127; i++) assert_int_equal(h[i], ' ');
    assert_int_equal(h[127], '\n');
    n = nb_npy_header(h, "<f8", 1, (int64_t[]){7});
    assert_memory_equal(h + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", 57);
    n = nb_npy_header(h, "<i8", 0, NULL);
    assert_int_equal(n % 64, 0);
    assert_memory_equal(h + 10, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", 55);
}

static void test_python_zipfile_fixture(void **s) {
    (void)s;
    nb_npz z;
    assert_int_equal(nb_npz_load_mem(py_fixture, sizeof py_fixture, "fixture.npz", &z), 0);
    assert_int_equal(z.n, 3);
    const nb_npz_array *w = nb_npz_find(&z, "w"), *b = nb_npz_find(&z, "b"), *st = nb_npz_find(&z, "step");
    assert_string_equal(w->dtype, "<f4");
    assert_int_equal(w->tensor->ndim, 2);
    tu_assert_close(w->tensor->data, (double[]){1.5, -2, 0.25, 3, 4, -0.125}, 6, 0);
    assert_string_equal(b->dtype, "<f8");
    tu_assert_close(b->tensor->data, (double[]){0.1, 0.2, -7}, 3, sizeof(nb_real) == 4 ? 1e-8 : 0);
    assert_true(st->ints[0] == ((int64_t)1 << 40) + 1);
    TU_NO_ERROR();
}

/* ---- an archive assembled byte by byte: one stored member "a.npy" ---------------- */

typedef struct {
    uint8_t b[1024];
    size_t n;
    size_t local, data, cd, end; /* offsets of the parts */
} archive;

static void put(archive *a, const void *p, size_t n) {
    memcpy(a->b + a->n, p, n);
    a->n += n;
}

/* npy of float32 {1, -2} (data_bytes of it) with the given dict, padded to 64 bytes */
static size_t make_npy(uint8_t *out, const char *dict, size_t data_bytes) {
    size_t dl = strlen(dict), total = (10 + dl + 1 + 63) / 64 * 64;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    nb_put16(out + 8, (uint32_t)(total - 10));
    memcpy(out + 10, dict, dl);
    memset(out + 10 + dl, ' ', total - 11 - dl);
    out[total - 1] = '\n';
    float v[2] = {1, -2};
    memcpy(out + total, v, data_bytes);
    return total + data_bytes;
}

/* A zip header: signature, then from `version needed` (at p + v) on: version 20,
 * stored, zero time and date, crc, both sizes len, name length nl. */
static void header(archive *a, uint32_t sig, size_t total, size_t v, uint32_t crc, size_t len, size_t nl,
                   const char *name) {
    uint8_t h[46] = {0};
    nb_put16(h + v - 2, 20); /* "made by" of a central record; a local one's signature covers it */
    nb_put32(h, sig);
    nb_put16(h + v, 20);
    nb_put32(h + v + 10, crc);
    nb_put32(h + v + 14, (uint32_t)len);
    nb_put32(h + v + 18, (uint32_t)len);
    nb_put16(h + v + 22, (uint32_t)nl);
    put(a, h, total);
    put(a, name, nl);
}

static void build(archive *a, const char *dict, size_t data_bytes, const char *name) {
    uint8_t npy[256];
    size_t len = make_npy(npy, dict, data_bytes), nl = strlen(name);
    uint32_t crc = (uint32_t)crc32(0, npy, (uInt)len);
    a->n = 0;
    a->local = 0;
    header(a, 0x04034b50, 30, 4, crc, len, nl, name);
    a->data = a->n;
    put(a, npy, len);
    a->cd = a->n;
    header(a, 0x02014b50, 46, 6, crc, len, nl, name);
    a->end = a->n;
    uint8_t e[22] = {0};
    nb_put32(e, 0x06054b50);
    nb_put16(e + 8, 1);
    nb_put16(e + 10, 1);
    nb_put32(e + 12, (uint32_t)(a->end - a->cd));
    nb_put32(e + 16, (uint32_t)a->cd);
    put(a, e, 22);
}

#define GOOD_DICT "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"

static void expect_load_error(const archive *a, const char *needle) {
    nb_npz z;
    assert_int_equal(nb_npz_load_mem(a->b, a->n, "bad.npz", &z), -1);
    assert_non_null(strstr(nb_error(), "bad.npz"));
    tu_expect_error(needle);
}

static void test_hand_built_archive(void **s) {
    (void)s;
    archive a;
    build(&a, GOOD_DICT, 8, "a.npy");
    nb_npz z;
    assert_int_equal(nb_npz_load_mem(a.b, a.n, "good.npz", &z), 0);
    assert_int_equal(z.n, 1);
    assert_string_equal(z.arrays[0].name, "a");
    tu_assert_close(z.arrays[0].tensor->data, (double[]){1, -2}, 2, 0);
    /* a file comment after the end record is allowed */
    archive c = a;
    nb_put16(c.b + c.n - 2, 3);
    put(&c, "hi!", 3);
    assert_int_equal(nb_npz_load_mem(c.b, c.n, "comment.npz", &z), 0);
    TU_NO_ERROR();
}

static void test_truncated_at_every_length(void **s) {
    (void)s;
    archive a;
    build(&a, GOOD_DICT, 8, "a.npy");
    for (size_t n = 0; n < a.n; n++) {
        /* a heap copy of exactly n bytes, so ASan sees any read past the end */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, a.b, n);
        nb_npz z;
        assert_int_equal(nb_npz_load_mem(cut, n, "cut.npz", &z), -1);
        tu_expect_error("cut.npz");
        free(cut);
    }
    /* every single-byte change either loads or fails cleanly */
    for (size_t i = 0; i < a.n; i++) {
        archive b = a;
        b.b[i] ^= 0x5a;
        uint8_t *copy = malloc(b.n);
        memcpy(copy, b.b, b.n);
        nb_npz z;
        if (nb_npz_load_mem(copy, b.n, "flip.npz", &z)) tu_expect_error("flip.npz");
        free(copy);
    }
}

static void test_corrupt_zip_structure(void **s) {
    (void)s;
    archive a, b;
    build(&a, GOOD_DICT, 8, "a.npy");
    b = a;
    b.b[b.data + 70] ^= 1;
    expect_load_error(&b, "CRC-32 mismatch");
    b = a;
    memset(b.b + b.end, 0, 4);
    expect_load_error(&b, "not a zip archive");
    b = a;
    nb_put32(b.b + b.end + 16, 5000); /* directory offset past the end */
    expect_load_error(&b, "outside the file");
    b = a;
    nb_put32(b.b + b.cd + 42, 400); /* local header offset */
    expect_load_error(&b, "bad local header offset");
    b = a;
    nb_put32(b.b + b.cd + 20, 4000); /* compressed size past the data */
    nb_put32(b.b + b.cd + 24, 4000);
    expect_load_error(&b, "runs past");
    b = a;
    nb_put16(b.b + b.cd + 10, 12); /* bzip2 */
    expect_load_error(&b, "compression method 12");
    b = a;
    nb_put16(b.b + b.cd + 8, 1);
    expect_load_error(&b, "encrypted");
    b = a;
    nb_put32(b.b + b.cd + 24, 0xFFFFFFFFu);
    expect_load_error(&b, "zip64");
    b = a;
    nb_put16(b.b + b.end + 10, 0xFFFF);
    nb_put16(b.b + b.end + 8, 0xFFFF);
    expect_load_error(&b, "zip64");
    b = a;
    nb_put16(b.b + b.end + 4, 1);
    expect_load_error(&b, "multi-disk");
    b = a;
    nb_put16(b.b + b.cd + 10, 8); /* stored bytes presented as deflate */
    expect_load_error(&b, "corrupt or truncated deflate");
    b = a;
    nb_put16(b.b + b.cd + 10, 8); /* a deflate member claiming a huge expansion */
    nb_put32(b.b + b.cd + 24, 0x7FFFFFFF);
    expect_load_error(&b, "cannot expand");
    b = a;
    nb_put16(b.b + b.end + 10, 2); /* one more member than the directory holds */
    nb_put16(b.b + b.end + 8, 2);
    expect_load_error(&b, "corrupt central directory at member 1");
}

static void test_corrupt_npy(void **s) {
    (void)s;
    struct {
        const char *dict;
        size_t bytes;
        const char *name, *needle;
    } cases[] = {
        {GOOD_DICT, 4, "a.npy", "4 bytes of data for 2 elements"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "a.npy", "big-endian"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8, "a.npy", "unsupported dtype"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8, "a.npy", "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 1, 1, 1, 1, 1), }", 8, "a.npy", "6 dims"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", 8, "a.npy",
         "too many elements"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, "a.npy", "malformed shape"},
        {"{'descr': '<f4', 'fortran_order': False}", 8, "a.npy", "lacks"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "a.npy", "unknown key"},
        {"{'descr': '<f4', 'descr': '<f4', 'shape': (2,), }", 8, "a.npy", "repeated key"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", 8, "a.npy", "trailing"},
        {"['descr']", 8, "a.npy", "not a dict"},
        {GOOD_DICT, 8, "a.txt", "is not a .npy array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        archive a;
        build(&a, cases[i].dict, cases[i].bytes, cases[i].name);
        expect_load_error(&a, cases[i].needle);
    }
    archive a;
    build(&a, GOOD_DICT, 8, "a.npy");
    a.b[a.data] = 'X';
    nb_put32(a.b + a.cd + 16, (uint32_t)crc32(0, a.b + a.data, (uInt)(a.cd - a.data))); /* keep the CRC right */
    nb_put32(a.b + 14, (uint32_t)crc32(0, a.b + a.data, (uInt)(a.cd - a.data)));
    expect_load_error(&a, "bad magic");
    build(&a, GOOD_DICT, 8, "a.npy");
    a.b[a.data + 6] = 9;
    nb_put32(a.b + a.cd + 16, (uint32_t)crc32(0, a.b + a.data, (uInt)(a.cd - a.data)));
    expect_load_error(&a, "unsupported .npy version 9.0");
}

static void test_duplicate_and_bad_names(void **s) {
    (void)s;
    const char *dir = iu_tmpdir();
    nb_tensor *t[2] = {nb_ones(NB_SHAPE(2)), nb_ones(NB_SHAPE(3))};
    assert_int_equal(nb_npz_save(iu_path(dir, "x.npz"), 2, (const char *[]){"a", "a"}, t), -1);
    tu_expect_error("given twice");
    assert_int_equal(nb_npz_save(iu_path(dir, "x.npz"), 2, (const char *[]){"a", ""}, t), -1);
    tu_expect_error("no name");
    nb_tensor *null_t[1] = {NULL};
    assert_int_equal(nb_npz_save(iu_path(dir, "x.npz"), 1, (const char *[]){"a"}, null_t), -1);
    tu_expect_error("'a' is NULL");
    assert_int_equal(iu_count_files(dir), 0);
    /* an archive holding one name twice is refused when read */
    nb_zip_writer zw;
    assert_int_equal(nb_zip_begin(&zw, "npz", iu_path(dir, "dup.npz")), 0);
    char h[256];
    size_t hl = nb_npy_header(h, "<f4", 1, (int64_t[]){1});
    float one = 1;
    for (int i = 0; i < 2; i++)
        assert_int_equal(nb_zip_add(&zw, "x.npy", 2, (const void *[]){h, &one}, (size_t[]){hl, 4}), 0);
    assert_int_equal(nb_zip_finish(&zw), 0);
    nb_npz z;
    assert_int_equal(nb_npz_load(iu_path(dir, "dup.npz"), &z), -1);
    tu_expect_error("'x' appears twice");
    assert_int_equal(nb_npz_load(iu_path(dir, "missing.npz"), &z), -1);
    tu_expect_error("missing.npz: cannot open");
}

static void test_load_into(void **s) {
    (void)s;
    const char *path = iu_path(iu_tmpdir(), "m.npz");
    nb_tensor *w = nb_from_data(NB_SHAPE(2, 2), (nb_real[]){1, 2, 3, 4}), *b = nb_full(NB_SHAPE(3), 5);
    int64_t step = 9;
    nb_npz_entry e[3] = {{.name = "w", .tensor = w}, {.name = "b", .tensor = b},
                         {.name = "step", .ints = &step}};
    assert_int_equal(nb_npz_write(path, 2, e), 0);
    nb_tensor *w2 = nb_zeros(NB_SHAPE(2, 2)), *b2 = nb_zeros(NB_SHAPE(3));
    assert_int_equal(nb_npz_load_into(path, 2, (const char *[]){"b", "w"}, (nb_tensor *[]){b2, w2}), 0);
    tu_assert_close(w2->data, (double[]){1, 2, 3, 4}, 4, 0);
    tu_assert_close(b2->data, (double[]){5, 5, 5}, 3, 0);
    /* every mismatch is listed, and nothing is written */
    assert_int_equal(nb_npz_write(path, 3, e), 0);
    nb_tensor *wt = nb_zeros(NB_SHAPE(4)), *c = nb_zeros(NB_SHAPE(1)), *st = nb_zeros(NB_SHAPE(0));
    assert_int_equal(nb_npz_load_into(path, 3, (const char *[]){"w", "c", "step"}, (nb_tensor *[]){wt, c, st}), -1);
    const char *err = nb_error();
    assert_non_null(strstr(err, "m.npz"));
    assert_non_null(strstr(err, "4 mismatches"));
    assert_non_null(strstr(err, "'w' shape [2,2] vs [4]"));
    assert_non_null(strstr(err, "'c' missing"));
    assert_non_null(strstr(err, "'step' dtype <i8 vs"));
    assert_non_null(strstr(err, "'b' unexpected"));
    nb_error_clear();
    tu_assert_close(wt->data, (double[]){0, 0, 0, 0}, 4, 0);
    /* a long list is cut, not overflowed */
    enum { N = 60 };
    const char *names[N];
    nb_tensor *ts[N];
    char buf[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "some_long_name_%02d", i);
        names[i] = buf[i];
        ts[i] = c;
    }
    assert_int_equal(nb_npz_load_into(path, N, names, ts), -1);
    tu_expect_error("63 mismatches");
    assert_int_equal(nb_npz_load_into(path, 2, (const char *[]){"w", "w"}, (nb_tensor *[]){w2, w2}), -1);
    tu_expect_error("given twice");
}

static void test_cross_precision(void **s) {
    (void)s;
    /* a checkpoint of the other precision loads (converted) into this build */
    const char *path = iu_path(iu_tmpdir(), "other.npz");
    double d[3] = {0.5, -1.25, 3};
    float f[3] = {0.5f, -1.25f, 3};
    char h[256];
    nb_zip_writer zw;
    assert_int_equal(nb_zip_begin(&zw, "npz", path), 0);
    size_t hl = nb_npy_header(h, sizeof(nb_real) == 4 ? "<f8" : "<f4", 1, (int64_t[]){3});
    assert_int_equal(nb_zip_add(&zw, "x.npy", 2, (const void *[]){h, sizeof(nb_real) == 4 ? (void *)d : (void *)f},
                                (size_t[]){hl, sizeof(nb_real) == 4 ? sizeof d : sizeof f}), 0);
    assert_int_equal(nb_zip_finish(&zw), 0);
    nb_tensor *x = nb_zeros(NB_SHAPE(3));
    assert_int_equal(nb_npz_load_into(path, 1, (const char *[]){"x"}, &x), 0);
    tu_assert_close(x->data, (double[]){0.5, -1.25, 3}, 3, 0);
}

static void test_atomic_save(void **s) {
    (void)s;
    const char *dir = iu_tmpdir(), *path = iu_path(dir, "c.npz");
    nb_tensor *a = nb_full(NB_SHAPE(4), 1), *b = nb_full(NB_SHAPE(4), 2);
    assert_int_equal(nb_npz_save(path, 1, (const char *[]){"a"}, &a), 0);
    size_t n0;
    uint8_t *before = iu_read(path, &n0);
    /* a failing save leaves the old file and no temporary */
    assert_int_equal(nb_npz_save(path, 2, (const char *[]){"a", "a"}, (nb_tensor *[]){a, b}), -1);
    tu_expect_error("c.npz");
    size_t n1;
    uint8_t *after = iu_read(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    assert_int_equal(iu_count_files(dir), 1);
    /* a good save replaces it */
    assert_int_equal(nb_npz_save(path, 1, (const char *[]){"a"}, &b), 0);
    nb_npz z;
    assert_int_equal(nb_npz_load(path, &z), 0);
    tu_assert_close(z.arrays[0].tensor->data, (double[]){2, 2, 2, 2}, 4, 0);
    assert_int_equal(iu_count_files(dir), 1);
    /* a directory that does not exist */
    assert_int_equal(nb_npz_save(iu_path(dir, "no/such/x.npz"), 1, (const char *[]){"a"}, &a), -1);
    tu_expect_error("no/such/x.npz: cannot create a temporary file");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        IO_TEST(test_round_trip),
        IO_TEST(test_int64_entries),
        IO_TEST(test_npy_header_matches_numpy),
        IO_TEST(test_python_zipfile_fixture),
        IO_TEST(test_hand_built_archive),
        IO_TEST(test_truncated_at_every_length),
        IO_TEST(test_corrupt_zip_structure),
        IO_TEST(test_corrupt_npy),
        IO_TEST(test_duplicate_and_bad_names),
        IO_TEST(test_load_into),
        IO_TEST(test_cross_precision),
        IO_TEST(test_atomic_save),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
