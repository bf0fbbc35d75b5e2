/* util.c — small helpers of the fanogan tool: folders, paths, files, time,
 * seeds and thread settings. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "tool.h"

int fg_mkdirs(const char *path) {
    char buf[4096];
    if (fg_path(buf, sizeof buf, "%s", path)) return -1;
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != 0) continue;
        *p = 0;
        struct stat st;
        if (mkdir(buf, 0777) && errno != EEXIST) return nb_error_set("cannot create %s: %s", buf, strerror(errno)), -1;
        if (stat(buf, &st) || !S_ISDIR(st.st_mode)) return nb_error_set("%s is not a folder", buf), -1;
        *p = c;
        if (!c) return 0;
    }
}

int fg_path(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) return nb_error_set("path too long: %.80s...", buf), -1;
    return 0;
}

bool fg_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

double fg_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int fg_write_png(const char *path, const nb_image *img) {
    if (nb_png_write(path, img) == 0) return 0;
    if (!nb_error()) nb_error_set("cannot write %s", path);
    return -1;
}

/* splitmix64's finalizer over the three inputs: nearby seeds give unrelated streams */
uint64_t fg_mix_seed(uint64_t seed, uint64_t stream, uint64_t index) {
    uint64_t x = seed;
    const uint64_t parts[2] = {stream, index};
    for (int i = 0; i < 2; i++) {
        x += 0x9e3779b97f4a7c15ULL + parts[i];
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        x ^= x >> 31;
    }
    return x;
}

void fg_stem(const char *path, char *buf, size_t size) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n >= size) n = size - 1;
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                     ? c : '_';
    }
    buf[n] = 0;
}

char *fg_read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return nb_error_set("cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more) free(buf);
            buf = more;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return nb_error_set("cannot read %s", path);
    }
    buf[n] = 0;
    return buf;
}

/* The fewest significant digits (from 6) that read back as the same double:
 * 2e-4 prints as 0.0002, not 0.00020000000000000001 as %.17g gives. */
void fg_format_real(char *buf, size_t size, double v) {
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (!isfinite(v) || strtod(buf, NULL) == v) return;
    }
}

void fg_set_threads(const fg_options *o) {
    if (o->threads > 0) nb_set_num_threads(o->threads);
}

int fg_error_reword(const char *before, const char *after) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", nb_error() ? nb_error() : "failed");
    nb_error_clear();
    nb_error_set("%s%s%s", before, msg, after);
    return -1;
}

const char *fg_model_message(void) {
    const char *msg = nb_error(), *prefix = "fanogan: ";
    if (!msg) return "failed";
    return strncmp(msg, prefix, strlen(prefix)) ? msg : msg + strlen(prefix);
}

nb_tensor *fg_item(nb_tensor *batch, int64_t i) {
    return nb_reshape(nb_slice(batch, 0, i, i + 1), batch->ndim - 1, batch->shape + 1);
}

/* Nearest-neighbour enlargement by an integer factor, in place. */
static int upscale(nb_image *img, int k) {
    nb_image big;
    if (k <= 1) return 0;
    if (nb_image_alloc(&big, img->width * k, img->height * k, img->channels)) return -1;
    int c = img->channels;
    for (int y = 0; y < big.height; y++)
        for (int x = 0; x < big.width; x++)
            memcpy(big.pixels + ((size_t)y * big.width + x) * c,
                   img->pixels + ((size_t)(y / k) * img->width + x / k) * c, (size_t)c);
    nb_image_free(img);
    *img = big;
    return 0;
}

int fg_write_view(const char *path, nb_image *img, int image_size) {
    int k = image_size > 0 && image_size < FG_VIEW_SIZE ? (FG_VIEW_SIZE + image_size - 1) / image_size : 1;
    return upscale(img, k) || fg_write_png(path, img) ? -1 : 0;
}
