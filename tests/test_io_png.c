/* test_io_png.c — PNG reading of every colour type and bit depth (written here
 * with libpng's own writer) against hand-computed 8-bit values, conversion to
 * 1 or 3 channels, interlacing, our writer's round trip and atomicity, every
 * error path (missing, not a PNG, truncated at every length, bad CRC, corrupt
 * data, oversized, bad arguments), and image <-> tensor conversion. */
#include <png.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>
#include "io_util.h"
#include "nb_io.h"
#include "test_util.h"

/* A PNG written by libpng: w x h samples (per channel, in `depth` bits, given
 * as ints), optional palette and tRNS. */
typedef struct {
    int w, h, depth, type, interlace;
    const int *samples;
    const png_color *palette;
    int n_palette;
    const png_byte *trns;
    int n_trns;
} spec;

static int spec_channels(const spec *s) {
    switch (s->type) {
    case PNG_COLOR_TYPE_GRAY: case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    default: return 4;
    }
}

static const spec *plain(int w, int h, int depth, int type, int interlace, const int *samples) {
    static spec s;
    s = (spec){.w = w, .h = h, .depth = depth, .type = type, .interlace = interlace, .samples = samples};
    return &s;
}

static void write_spec(const char *path, const spec *s) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, f);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->type, s->interlace, 0, 0);
    if (s->palette) png_set_PLTE(png, info, s->palette, s->n_palette);
    if (s->trns) png_set_tRNS(png, info, s->trns, s->n_trns, NULL);
    png_write_info(png, info);
    if (s->depth < 8) png_set_packing(png);
    if (s->depth == 16) png_set_swap(png); /* rows below are host (little-endian) order */
    int c = spec_channels(s), bps = s->depth == 16 ? 2 : 1;
    png_bytep rows[64];
    uint8_t *buf = calloc((size_t)s->w * s->h * c * bps, 1);
    for (int i = 0; i < s->w * s->h * c; i++) {
        if (bps == 2)
            memcpy(buf + 2 * i, &(uint16_t){(uint16_t)s->samples[i]}, 2);
        else
            buf[i] = (uint8_t)s->samples[i];
    }
    for (int y = 0; y < s->h; y++) rows[y] = buf + (size_t)y * s->w * c * bps;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(buf);
    fclose(f);
}

static void expect_pixels(const char *path, int channels, int w, int h, int c, const int *want) {
    nb_image img;
    int rc = nb_png_read(path, &img, channels);
    TU_NO_ERROR(); /* prints the message of a failed read */
    assert_int_equal(rc, 0);
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    assert_int_equal(img.channels, c);
    for (int i = 0; i < w * h * c; i++)
        if (abs(img.pixels[i] - want[i]) > 0) {
            print_error("%s sample %d: got %d want %d\n", path, i, img.pixels[i], want[i]);
            fail();
        }
    nb_image_free(&img);
}

static void test_gray_depths(void **st) {
    (void)st;
    const char *dir = iu_tmpdir();
    const char *p = iu_path(dir, "g.png");
    /* 1, 2, 4 bit: v * 255 / (2^d - 1) */
    write_spec(p, plain(4, 1, 1, PNG_COLOR_TYPE_GRAY, 0, (int[]){0, 1, 1, 0}));
    expect_pixels(p, 0, 4, 1, 1, (int[]){0, 255, 255, 0});
    write_spec(p, plain(4, 1, 2, PNG_COLOR_TYPE_GRAY, 0, (int[]){0, 1, 2, 3}));
    expect_pixels(p, 0, 4, 1, 1, (int[]){0, 85, 170, 255});
    write_spec(p, plain(3, 1, 4, PNG_COLOR_TYPE_GRAY, 0, (int[]){0, 5, 15}));
    expect_pixels(p, 0, 3, 1, 1, (int[]){0, 85, 255});
    write_spec(p, plain(2, 2, 8, PNG_COLOR_TYPE_GRAY, 0, (int[]){0, 7, 200, 255}));
    expect_pixels(p, 0, 2, 2, 1, (int[]){0, 7, 200, 255});
    /* 16 bit: v * 255 / 65535 rounded; 257 k -> k exactly */
    write_spec(p, plain(3, 1, 16, PNG_COLOR_TYPE_GRAY, 0, (int[]){0, 257 * 100, 65535}));
    expect_pixels(p, 0, 3, 1, 1, (int[]){0, 100, 255});
    /* gray to 3 channels replicates */
    write_spec(p, plain(2, 1, 8, PNG_COLOR_TYPE_GRAY, 0, (int[]){9, 250}));
    expect_pixels(p, 3, 2, 1, 3, (int[]){9, 9, 9, 250, 250, 250});
    /* gray + alpha: alpha dropped, 8 and 16 bit */
    write_spec(p, plain(2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, 0, (int[]){10, 0, 20, 255}));
    expect_pixels(p, 0, 2, 1, 1, (int[]){10, 20});
    write_spec(p, plain(1, 1, 16, PNG_COLOR_TYPE_GRAY_ALPHA, 0, (int[]){257 * 33, 1}));
    expect_pixels(p, 0, 1, 1, 1, (int[]){33});
    TU_NO_ERROR();
}

static void test_color_types(void **st) {
    (void)st;
    const char *p = iu_path(iu_tmpdir(), "c.png");
    int rgb[] = {255, 0, 0, 0, 255, 0, 100, 100, 100};
    write_spec(p, plain(3, 1, 8, PNG_COLOR_TYPE_RGB, 0, rgb));
    expect_pixels(p, 0, 3, 1, 3, rgb);
    /* to gray with Rec. 709 weights (6968, 23434, 2366) / 32768: red 54, green 182,
     * and a gray pixel stays exactly itself */
    expect_pixels(p, 1, 3, 1, 1, (int[]){54, 182, 100});
    write_spec(p, plain(2, 1, 16, PNG_COLOR_TYPE_RGB, 0, (int[]){65535, 0, 257 * 7, 257, 514, 771}));
    expect_pixels(p, 0, 2, 1, 3, (int[]){255, 0, 7, 1, 2, 3});
    write_spec(p, plain(2, 1, 8, PNG_COLOR_TYPE_RGBA, 0, (int[]){1, 2, 3, 0, 4, 5, 6, 255}));
    expect_pixels(p, 0, 2, 1, 3, (int[]){1, 2, 3, 4, 5, 6});
    write_spec(p, plain(1, 1, 16, PNG_COLOR_TYPE_RGBA, 0, (int[]){257 * 10, 257 * 20, 257 * 30, 5}));
    expect_pixels(p, 0, 1, 1, 3, (int[]){10, 20, 30});
    TU_NO_ERROR();
}

static void test_palette(void **st) {
    (void)st;
    const char *p = iu_path(iu_tmpdir(), "p.png");
    png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
    png_byte trns[2] = {0, 128};
    for (int depth = 1; depth <= 8; depth *= 2) {
        int n = depth == 1 ? 2 : 4;
        int idx[4] = {0, 1, n > 2 ? 2 : 0, n > 3 ? 3 : 1};
        int want[12];
        for (int i = 0; i < 4; i++) {
            want[3 * i] = pal[idx[i]].red;
            want[3 * i + 1] = pal[idx[i]].green;
            want[3 * i + 2] = pal[idx[i]].blue;
        }
        write_spec(p, &(spec){4, 1, depth, PNG_COLOR_TYPE_PALETTE, 0, idx, pal, n, trns, 2});
        expect_pixels(p, 0, 4, 1, 3, want);
        expect_pixels(p, 3, 4, 1, 3, want);
    }
    TU_NO_ERROR();
}

static void test_interlaced(void **st) {
    (void)st;
    const char *p = iu_path(iu_tmpdir(), "i.png");
    int px[9 * 7 * 3];
    for (int i = 0; i < 9 * 7 * 3; i++) px[i] = (i * 37) % 256;
    write_spec(p, plain(9, 7, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, px));
    expect_pixels(p, 0, 9, 7, 3, px);
    TU_NO_ERROR();
}

static void test_write_round_trip(void **st) {
    (void)st;
    const char *dir = iu_tmpdir(), *p = iu_path(dir, "w.png");
    for (int c = 1; c <= 3; c += 2) {
        nb_image img, back;
        assert_int_equal(nb_image_alloc(&img, 5, 3, c), 0);
        for (int i = 0; i < 15 * c; i++) img.pixels[i] = (uint8_t)(i * 17);
        assert_int_equal(nb_png_write(p, &img), 0);
        assert_int_equal(nb_png_read(p, &back, 0), 0);
        assert_int_equal(back.channels, c);
        assert_memory_equal(back.pixels, img.pixels, 15 * (size_t)c);
        nb_image_free(&img);
        nb_image_free(&back);
    }
    assert_int_equal(iu_count_files(dir), 1); /* replaced in place, no temporary left */
    nb_image bad = {2, 2, 2, (uint8_t[8]){0}};
    assert_int_equal(nb_png_write(p, &bad), -1);
    tu_expect_error("2 channels");
    nb_image ok = {1, 1, 1, (uint8_t[1]){0}};
    assert_int_equal(nb_png_write(iu_path(dir, "none/x.png"), &ok), -1);
    tu_expect_error("none/x.png: cannot create a temporary file");
    assert_int_equal(iu_count_files(dir), 1);
    nb_image empty;
    assert_int_equal(nb_image_alloc(&empty, 0, 3, 1), -1);
    tu_expect_error("bad size");
}

static void test_read_errors(void **st) {
    (void)st;
    const char *dir = iu_tmpdir(), *p = iu_path(dir, "e.png");
    nb_image img;
    assert_int_equal(nb_png_read(iu_path(dir, "missing.png"), &img, 0), -1);
    assert_null(img.pixels);
    tu_expect_error("missing.png: cannot open");
    iu_write(p, "GIF89a not a png", 16);
    assert_int_equal(nb_png_read(p, &img, 0), -1);
    tu_expect_error("e.png: not a PNG file");
    int px[16 * 16];
    for (int i = 0; i < 256; i++) px[i] = i;
    write_spec(p, plain(16, 16, 8, PNG_COLOR_TYPE_GRAY, 0, px));
    assert_int_equal(nb_png_read(p, &img, 2), -1);
    tu_expect_error("channels must be 0, 1 or 3");
    size_t n;
    uint8_t *good = iu_read(p, &n);
    /* every truncation fails with the file's name (heap copies: ASan sees overreads);
     * only the trailing IEND chunk (12 bytes) may be missing without losing pixels */
    for (size_t len = 0; len < n - 12; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, good, len);
        assert_int_equal(nb_png_read_mem(cut, len, "cut.png", &img, 0), -1);
        assert_null(img.pixels);
        tu_expect_error("cut.png");
        free(cut);
    }
    iu_write(p, good, n / 2);
    assert_int_equal(nb_png_read(p, &img, 0), -1);
    tu_expect_error("e.png: unexpected end of file");
    /* a flipped byte in the IHDR: CRC error */
    good[20] ^= 0x40;
    assert_int_equal(nb_png_read_mem(good, n, "crc.png", &img, 0), -1);
    tu_expect_error("crc.png: IHDR: CRC error");
    good[20] ^= 0x40;
    /* every single-byte change loads or fails cleanly */
    for (size_t i = 8; i < n; i++) {
        good[i] ^= 0xa5;
        if (nb_png_read_mem(good, n, "flip.png", &img, 3) == 0)
            nb_image_free(&img);
        else
            tu_expect_error("flip.png");
        good[i] ^= 0xa5;
    }
    free(good);
    TU_NO_ERROR();
}

static void test_oversized(void **st) {
    (void)st;
    /* an IHDR claiming 100000 x 100000: refused before any allocation */
    uint8_t png[45] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                       0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 0, 0, 0, 0,
                       0, 0, 0, 0, 0, 0, 0, 0, 'I', 'D', 'A', 'T'}; /* + an empty IDAT */
    uint32_t crc = (uint32_t)crc32(0, png + 12, 17);
    for (int i = 0; i < 4; i++) png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
    nb_image img;
    assert_int_equal(nb_png_read_mem(png, sizeof png, "big.png", &img, 0), -1);
    tu_expect_error("big.png");
    /* 8192 x 16384: within the side limit, over the pixel limit */
    png[16] = 0, png[17] = 0, png[18] = 0x20, png[19] = 0;
    png[20] = 0, png[21] = 0, png[22] = 0x40, png[23] = 0;
    crc = (uint32_t)crc32(0, png + 12, 17);
    for (int i = 0; i < 4; i++) png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
    assert_int_equal(nb_png_read_mem(png, sizeof png, "big.png", &img, 0), -1);
    tu_expect_error("too large");
}

static void test_image_tensor(void **st) {
    (void)st;
    nb_image img = {2, 1, 3, (uint8_t[]){0, 51, 102, 153, 204, 255}};
    nb_tensor *t = nb_image_to_tensor(&img);
    assert_int_equal(t->ndim, 3);
    assert_int_equal(t->shape[0], 3);
    assert_int_equal(t->shape[1], 1);
    assert_int_equal(t->shape[2], 2);
    /* planar: channel 0 = {0, 153}/255, ... */
    tu_assert_close(t->data, (double[]){0, 0.6, 0.2, 0.8, 0.4, 1}, 6, 1e-6);
    nb_tensor *batch = nb_zeros(NB_SHAPE(2, 3, 1, 2));
    assert_int_equal(nb_image_to_slot(&img, batch, 1), 0);
    tu_assert_close(batch->data, (double[]){0, 0, 0, 0, 0, 0, 0, 0.6, 0.2, 0.8, 0.4, 1}, 12, 1e-6);
    assert_int_equal(nb_image_to_slot(&img, batch, 2), -1);
    tu_expect_error("does not fit slot 2 of [2,3,1,2]");
    /* back, from [-1, 1]: v -> round((v + 1) * 127.5), clamped */
    nb_tensor *g = nb_from_data(NB_SHAPE(1, 1, 5), (nb_real[]){-1, 0, 1, 2, -0.5});
    nb_image out;
    assert_int_equal(nb_tensor_to_image(g, 0, -1, 1, &out), 0);
    assert_int_equal(out.channels, 1);
    assert_memory_equal(out.pixels, ((uint8_t[]){0, 128, 255, 255, 64}), 5);
    nb_image_free(&out);
    assert_int_equal(nb_tensor_to_image(batch, 1, 0, 1, &out), 0);
    assert_memory_equal(out.pixels, img.pixels, 6);
    nb_image_free(&out);
    assert_int_equal(nb_tensor_to_image(nb_zeros(NB_SHAPE(2, 4, 4)), 0, 0, 1, &out), -1);
    tu_expect_error("C 1 or 3");
    assert_int_equal(nb_tensor_to_image(batch, 5, 0, 1, &out), -1);
    tu_expect_error("slot 5");
    assert_int_equal(nb_tensor_to_image(g, 0, 1, 1, &out), -1);
    tu_expect_error("lo < hi");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        IO_TEST(test_gray_depths),   IO_TEST(test_color_types),      IO_TEST(test_palette),
        IO_TEST(test_interlaced),    IO_TEST(test_write_round_trip), IO_TEST(test_read_errors),
        IO_TEST(test_oversized),     IO_TEST(test_image_tensor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
