/* png.c — PNG files through libpng. Reading converts every colour type and bit
 * depth (palette, gray 1/2/4/8/16, gray+alpha, RGB(A) 8/16) to 8-bit gray or RGB:
 * palettes and low depths are expanded, 16-bit samples scaled (v * 255 / 65535,
 * rounded), alpha dropped, colour turned to gray with libpng's Rec. 709 weights
 * or gray replicated to RGB. libpng reports a corrupt stream by longjmp-ing back
 * to the setjmp in decode(), which frees what was allocated and records the
 * message with the file name. Writing is atomic (temp file + rename). */
#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include "io_internal.h"

/* Larger images are refused before allocating: 2^26 pixels (a 8192 x 8192 RGB
 * image is 192 MiB), and neither side above 2^16. */
#define MAX_SIDE 65536
#define MAX_PIXELS ((int64_t)1 << 26)

typedef struct {
    const char *name;
    FILE *file;            /* source: a file, or */
    const uint8_t *mem;    /* a buffer of mem_size bytes */
    size_t mem_size, mem_off;
    char msg[200];         /* libpng's error message */
    uint8_t *pixels;       /* owned until handed to the image */
    png_bytep *rows;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg) {
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

static void read_bytes(png_structp png, png_bytep out, size_t len) {
    png_ctx *c = png_get_io_ptr(png);
    if (c->file) {
        if (fread(out, 1, len, c->file) != len) png_error(png, "unexpected end of file (truncated?)");
        return;
    }
    if (len > c->mem_size - c->mem_off) png_error(png, "unexpected end of file (truncated?)");
    memcpy(out, c->mem + c->mem_off, len);
    c->mem_off += len;
}

/* Sets libpng's transformations so that rows come out as `channels` 8-bit
 * samples; returns the channel count chosen. */
static int set_transforms(png_structp png, png_infop info, int channels) {
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_scale_16(png);
    /* a palette's tRNS chunk becomes an alpha channel on expansion: drop it too */
    if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    bool gray = type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA;
    if (channels == 0) channels = gray ? 1 : 3;
    if (channels == 1 && !gray) png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    if (channels == 3 && gray) png_set_gray_to_rgb(png);
    png_read_update_info(png, info);
    return channels;
}

/* The body under setjmp: every allocation is kept in c so the error path can
 * free it (automatic variables changed after setjmp are indeterminate). */
static int decode(png_structp png, png_infop info, png_ctx *c, nb_image *img, int channels) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_set_user_limits(png, MAX_SIDE, MAX_SIDE);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* let the fuzzer past chunk CRCs, into the decoder proper */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((int64_t)w * h > MAX_PIXELS) png_error(png, "image too large (more than 2^26 pixels)");
    channels = set_transforms(png, info, channels);
    if (png_get_channels(png, info) != channels || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * channels)
        png_error(png, "unsupported pixel format after conversion");
    c->pixels = malloc((size_t)w * h * channels);
    c->rows = malloc(h * sizeof *c->rows);
    if (!c->pixels || !c->rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) c->rows[y] = c->pixels + (size_t)y * w * channels;
    png_read_image(png, c->rows);
    png_read_end(png, NULL);
    img->width = (int)w;
    img->height = (int)h;
    img->channels = channels;
    img->pixels = c->pixels;
    c->pixels = NULL;
    return 0;
}

static int read_png(png_ctx *c, nb_image *img, int channels) {
    img->width = img->height = img->channels = 0;
    img->pixels = NULL;
    if (channels != 0 && channels != 1 && channels != 3) {
        nb_error_set("png: %s: channels must be 0, 1 or 3, not %d", c->name, channels);
        return -1;
    }
    uint8_t sig[8];
    size_t got = c->file ? fread(sig, 1, 8, c->file) : (c->mem_size < 8 ? c->mem_size : 8);
    if (!c->file && got) memcpy(sig, c->mem, got);
    c->mem_off = got;
    if (got < 8 || png_sig_cmp(sig, 0, 8)) {
        nb_error_set("png: %s: not a PNG file (bad signature)", c->name);
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        nb_error_set("png: %s: out of memory", c->name);
        return -1;
    }
    png_set_read_fn(png, c, read_bytes);
    png_set_sig_bytes(png, 8);
    int rc = decode(png, info, c, img, channels);
    png_destroy_read_struct(&png, &info, NULL);
    free(c->pixels);
    free(c->rows);
    if (rc) nb_error_set("png: %s: %s", c->name, c->msg);
    return rc;
}

int nb_png_read(const char *path, nb_image *img, int channels) {
    png_ctx c = {.name = path};
    c.file = fopen(path, "rb");
    if (!c.file) {
        img->pixels = NULL;
        nb_error_set("png: %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int rc = read_png(&c, img, channels);
    fclose(c.file);
    return rc;
}

int nb_png_read_mem(const void *data, size_t size, const char *name, nb_image *img, int channels) {
    png_ctx c = {.name = name, .mem = data, .mem_size = size};
    return read_png(&c, img, channels);
}

void nb_image_free(nb_image *img) {
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = img->channels = 0;
}

int nb_image_alloc(nb_image *img, int width, int height, int channels) {
    img->pixels = NULL;
    img->width = img->height = img->channels = 0;
    if (width < 1 || height < 1 || (channels != 1 && channels != 3) ||
        (int64_t)width * height > MAX_PIXELS) {
        nb_error_set("image: bad size %dx%d with %d channels", width, height, channels);
        return -1;
    }
    img->pixels = calloc((size_t)width * height * channels, 1);
    if (!img->pixels) {
        nb_error_set("image: out of memory for %dx%dx%d", width, height, channels);
        return -1;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    return 0;
}

/* ---- writing ------------------------------------------------------------------- */

static int encode(png_structp png, png_infop info, png_ctx *c, FILE *f, const nb_image *img) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    c->rows = malloc((size_t)img->height * sizeof *c->rows);
    if (!c->rows) png_error(png, "out of memory");
    for (int y = 0; y < img->height; y++)
        c->rows[y] = img->pixels + (size_t)y * img->width * img->channels;
    png_write_image(png, c->rows);
    png_write_end(png, NULL);
    return 0;
}

int nb_png_write(const char *path, const nb_image *img) {
    if (!img || !img->pixels || img->width < 1 || img->height < 1 ||
        (img->channels != 1 && img->channels != 3)) {
        nb_error_set("png: %s: cannot write an empty image or one with %d channels (1 or 3)", path,
                     img ? img->channels : 0);
        return -1;
    }
    nb_atomic_file af;
    if (nb_atomic_open(&af, "png", path)) return -1;
    png_ctx c = {.name = path};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = info ? encode(png, info, &c, af.f, img) : -1;
    png_destroy_write_struct(&png, &info);
    free(c.rows);
    if (rc) {
        nb_error_set("png: %s: %s", path, info ? c.msg : "out of memory");
        nb_atomic_abort(&af);
        return -1;
    }
    return nb_atomic_commit(&af);
}
