/* test_io_idx.c — IDX files plain and gzip: images and labels read back, every
 * header check (magic, type, dims, overflow), truncation and trailing bytes in
 * both encodings, corrupt gzip streams, and the installed Fashion-MNIST test
 * set when present. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io_util.h"
#include "nb_io.h"
#include "test_util.h"

/* header (type 0x08) + data into buf; returns its length */
static size_t make_idx(uint8_t *buf, int ndim, const uint32_t *dims, const uint8_t *data, size_t n) {
    buf[0] = buf[1] = 0;
    buf[2] = 8;
    buf[3] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++)
        for (int k = 0; k < 4; k++) buf[4 + 4 * d + k] = (uint8_t)(dims[d] >> (24 - 8 * k));
    if (n) memcpy(buf + 4 + 4 * ndim, data, n);
    return 4 + 4 * (size_t)ndim + n;
}

static void write_gz(const char *path, const void *data, size_t n) {
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static void test_images_and_labels(void **s) {
    (void)s;
    const char *dir = iu_tmpdir();
    uint8_t pix[2 * 3 * 4], buf[256];
    for (int i = 0; i < 24; i++) pix[i] = (uint8_t)(i * 10);
    size_t n = make_idx(buf, 3, (uint32_t[]){2, 3, 4}, pix, 24);
    iu_write(iu_path(dir, "img-idx3-ubyte"), buf, n);
    write_gz(iu_path(dir, "img-idx3-ubyte.gz"), buf, n);
    const char *files[2] = {"img-idx3-ubyte", "img-idx3-ubyte.gz"};
    for (int f = 0; f < 2; f++) {
        nb_idx idx;
        assert_int_equal(nb_idx_read(iu_path(dir, files[f]), &idx), 0);
        assert_int_equal(idx.ndim, 3);
        assert_int_equal(idx.dims[0], 2);
        assert_int_equal(idx.dims[1], 3);
        assert_int_equal(idx.dims[2], 4);
        assert_int_equal(idx.size, 24);
        assert_memory_equal(idx.data, pix, 24);
        nb_idx_free(&idx);
        assert_null(idx.data);
    }
    n = make_idx(buf, 1, (uint32_t[]){5}, (uint8_t[]){9, 0, 0, 3, 7}, 5);
    write_gz(iu_path(dir, "lab.gz"), buf, n);
    nb_idx lab;
    assert_int_equal(nb_idx_read(iu_path(dir, "lab.gz"), &lab), 0);
    assert_int_equal(lab.ndim, 1);
    assert_memory_equal(lab.data, ((uint8_t[]){9, 0, 0, 3, 7}), 5);
    nb_idx_free(&lab);
    /* an empty array is valid */
    n = make_idx(buf, 2, (uint32_t[]){0, 28}, NULL, 0);
    assert_int_equal(nb_idx_read_mem(buf, n, "empty", &lab), 0);
    assert_int_equal(lab.size, 0);
    nb_idx_free(&lab);
    TU_NO_ERROR();
}

static void expect_mem_error(const uint8_t *buf, size_t n, const char *needle) {
    nb_idx idx;
    assert_int_equal(nb_idx_read_mem(buf, n, "bad.idx", &idx), -1);
    assert_null(idx.data);
    assert_non_null(strstr(nb_error(), "bad.idx"));
    tu_expect_error(needle);
}

static void test_header_errors(void **s) {
    (void)s;
    uint8_t buf[64];
    size_t n = make_idx(buf, 1, (uint32_t[]){3}, (uint8_t[]){1, 2, 3}, 3);
    buf[1] = 8;
    expect_mem_error(buf, n, "bad magic 00 08");
    buf[1] = 0;
    buf[2] = 0x0D;
    expect_mem_error(buf, n, "unsupported data type 0x0d");
    buf[2] = 8;
    buf[3] = 0;
    expect_mem_error(buf, n, "0 dimensions");
    buf[3] = 5;
    expect_mem_error(buf, n, "5 dimensions");
    buf[3] = 1;
    expect_mem_error(buf, 2, "truncated header (2 of 4 bytes)");
    expect_mem_error(buf, 6, "truncated header (2 of 4 bytes of sizes)");
    expect_mem_error(buf, n - 1, "promises 3 bytes of data, the file has 2");
    buf[n] = 0;
    expect_mem_error(buf, n + 1, "trailing bytes");
    /* dims whose product passes 2^32 */
    n = make_idx(buf, 3, (uint32_t[]){65536, 65536, 2}, NULL, 0);
    expect_mem_error(buf, n, "more than 2^32 bytes");
    n = make_idx(buf, 4, (uint32_t[]){0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, NULL, 0);
    expect_mem_error(buf, n, "more than 2^32 bytes");
    /* a header promising 47 MB over 3 bytes fails without allocating it all */
    n = make_idx(buf, 3, (uint32_t[]){60000, 28, 28}, (uint8_t[]){1, 2, 3}, 3);
    expect_mem_error(buf, n, "promises 47040000 bytes of data, the file has 3");
    /* every prefix of a valid file fails */
    n = make_idx(buf, 2, (uint32_t[]){2, 2}, (uint8_t[]){1, 2, 3, 4}, 4);
    for (size_t len = 0; len < n; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, buf, len);
        nb_idx idx;
        assert_int_equal(nb_idx_read_mem(cut, len, "cut", &idx), -1);
        tu_expect_error("cut");
        free(cut);
    }
}

static void test_gzip_errors(void **s) {
    (void)s;
    const char *dir = iu_tmpdir(), *p = iu_path(dir, "x.gz");
    nb_idx idx;
    assert_int_equal(nb_idx_read(iu_path(dir, "nope.gz"), &idx), -1);
    tu_expect_error("nope.gz: cannot open");
    uint8_t buf[4096], data[4000];
    for (int i = 0; i < 4000; i++) data[i] = (uint8_t)(i * 7 + i / 13);
    size_t n = make_idx(buf, 2, (uint32_t[]){40, 100}, data, 4000);
    write_gz(p, buf, n - 10); /* ten bytes short */
    assert_int_equal(nb_idx_read(p, &idx), -1);
    tu_expect_error("x.gz: truncated: the header promises 4000 bytes of data, the file has 3990");
    write_gz(p, buf, n);
    write_gz(iu_path(dir, "y.gz"), buf, n);
    size_t gn;
    uint8_t *gz = iu_read(p, &gn);
    /* a cut gzip stream */
    iu_write(p, gz, gn / 2);
    assert_int_equal(nb_idx_read(p, &idx), -1);
    tu_expect_error("x.gz");
    /* a corrupted deflate body or CRC */
    for (size_t at = 20; at < gn; at += gn / 7) {
        gz[at] ^= 0x55;
        iu_write(p, gz, gn);
        if (nb_idx_read(p, &idx) == 0) {
            nb_idx_free(&idx);
            fail_msg("corrupt byte %zu went unnoticed", at);
        }
        tu_expect_error("x.gz");
        gz[at] ^= 0x55;
    }
    gz[gn - 6] ^= 1; /* the CRC-32 of the trailer */
    iu_write(p, gz, gn);
    assert_int_equal(nb_idx_read(p, &idx), -1);
    tu_expect_error("x.gz: incorrect data check");
    free(gz);
    assert_int_equal(nb_idx_read(iu_path(dir, "y.gz"), &idx), 0);
    assert_memory_equal(idx.data, data, 4000);
    nb_idx_free(&idx);
}

static void test_fashion_mnist_files(void **s) {
    (void)s;
    const char *lp = NB_FASHION_MNIST_DIR "/t10k-labels-idx1-ubyte.gz";
    const char *ip = NB_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz";
    FILE *f = fopen(lp, "rb");
    if (!f) skip();
    fclose(f);
    nb_idx lab, img;
    assert_int_equal(nb_idx_read(lp, &lab), 0);
    assert_int_equal(lab.ndim, 1);
    assert_int_equal(lab.dims[0], 10000);
    /* the published first test labels: ankle boot, pullover, trouser, trouser, shirt */
    assert_memory_equal(lab.data, ((uint8_t[]){9, 2, 1, 1, 6}), 5);
    int counts[10] = {0};
    for (int i = 0; i < 10000; i++) counts[lab.data[i] < 10 ? lab.data[i] : 0]++;
    for (int c = 0; c < 10; c++) assert_int_equal(counts[c], 1000);
    assert_int_equal(nb_idx_read(ip, &img), 0);
    assert_int_equal(img.ndim, 3);
    assert_int_equal(img.dims[0], 10000);
    assert_int_equal(img.dims[1], 28);
    assert_int_equal(img.dims[2], 28);
    nb_idx_free(&lab);
    nb_idx_free(&img);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        IO_TEST(test_images_and_labels),
        IO_TEST(test_header_errors),
        IO_TEST(test_gzip_errors),
        IO_TEST(test_fashion_mnist_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
