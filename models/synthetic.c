/* synthetic.c — MVTec-style synthetic data: procedural textures as normal
 * images and scratch / spot / crack defects with their ground-truth masks, so
 * the whole anomaly pipeline can be run and tested without a dataset.
 *
 * Randomness comes from a local splitmix64 stream per call, seeded by the
 * caller, not from the global generator: an image then depends only on its
 * seed (not on how many images came before), and generating data never
 * disturbs the global stream a training run may be using. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "eval_internal.h"

#define TWO_PI 6.283185307179586
#define MIN_SIZE 8

typedef struct {
    uint64_t s;
} rng;

/* splitmix64 (Steele, Lea, Flood 2014): a Weyl sequence through a mixer. */
static uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1p-53; }
static double rng_between(rng *r, double lo, double hi) { return lo + (hi - lo) * rng_uniform(r); }
static double rng_normal(rng *r) { /* Box-Muller */
    return sqrt(-2 * log(1 - rng_uniform(r))) * cos(TWO_PI * rng_uniform(r));
}

uint64_t nb_synth_seed(uint64_t seed, int split, int index) {
    rng r = {seed};
    r.s = rng_next(&r) ^ ((uint64_t)(uint32_t)split << 32 | (uint32_t)index);
    return rng_next(&r);
}

const char *nb_defect_kind_name(nb_defect_kind k) {
    static const char *const names[NB_DEFECT_KINDS] = {"scratch", "spot", "crack"};
    return (int)k >= 0 && k < NB_DEFECT_KINDS ? names[k] : "unknown";
}

/* Stripes from coarse to fine, each weaker than the last. */
int nb_texture_init(nb_texture *t, uint64_t category_seed, int channels) {
    if (!t || (channels != 1 && channels != 3))
        return nb_error_set("texture_init: channels = %d (1 or 3)", channels), -1;
    static const double cycles[NB_TEXTURE_WAVES][2] = {{3, 7}, {8, 14}, {16, 26}};
    static const double amp[NB_TEXTURE_WAVES][2] = {{28, 42}, {12, 22}, {5, 10}};
    rng r = {category_seed};
    *t = (nb_texture){.channels = channels, .noise = rng_between(&r, 3, 7)};
    for (int c = 0; c < 3; c++) t->base[c] = channels == 3 ? rng_between(&r, 80, 170) : 0;
    if (channels == 1) t->base[0] = rng_between(&r, 95, 160);
    for (int k = 0; k < NB_TEXTURE_WAVES; k++) {
        t->angle[k] = rng_between(&r, 0, TWO_PI / 2);
        t->cycles[k] = rng_between(&r, cycles[k][0], cycles[k][1]);
        t->amp[k] = rng_between(&r, amp[k][0], amp[k][1]);
        for (int c = 0; c < 3; c++) t->tint[k][c] = channels == 3 ? rng_between(&r, 0.6, 1.4) : 1;
    }
    return 0;
}

static uint8_t to_level(double v) { return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : lround(v)); }

/* v_c(x, y) = base_c + sum_k amp_k tint_kc sin(2 pi f_k (x cos a_k + y sin a_k) / S + phase_k) + noise,
 * S = (width + height) / 2, with this image's phases and jittered angles and frequencies. */
int nb_synth_normal(const nb_texture *t, int width, int height, uint64_t image_seed, nb_image *out) {
    if (!t || !out) return nb_error_set("synth_normal: NULL texture or image"), -1;
    if (nb_eval_image_alloc(out, width, height, t->channels, "synth_normal")) return -1;
    rng r = {image_seed};
    double kx[NB_TEXTURE_WAVES], ky[NB_TEXTURE_WAVES], phase[NB_TEXTURE_WAVES], size = (width + height) / 2.0;
    for (int k = 0; k < NB_TEXTURE_WAVES; k++) {
        double a = t->angle[k] + rng_between(&r, -0.05, 0.05);
        double f = t->cycles[k] * rng_between(&r, 0.96, 1.04) * TWO_PI / size;
        kx[k] = f * cos(a), ky[k] = f * sin(a);
        phase[k] = rng_between(&r, 0, TWO_PI);
    }
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double wave[NB_TEXTURE_WAVES];
            for (int k = 0; k < NB_TEXTURE_WAVES; k++) wave[k] = t->amp[k] * sin(kx[k] * x + ky[k] * y + phase[k]);
            for (int c = 0; c < t->channels; c++) {
                double v = t->base[c] + t->noise * rng_normal(&r);
                for (int k = 0; k < NB_TEXTURE_WAVES; k++) v += t->tint[k][c] * wave[k];
                out->pixels[((int64_t)y * width + x) * t->channels + c] = to_level(v);
            }
        }
    return 0;
}

/* ---- defects: each marks its mask, then recolors the masked pixels once ---- */

static double segment_distance(double px, double py, double ax, double ay, double bx, double by) {
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    return hypot(px - ax - u * dx, py - ay - u * dy);
}

/* A straight segment through a point of the inner image, a few pixels wide. */
static void mark_scratch(nb_image *m, rng *r) {
    int w = m->width, h = m->height;
    double s = w < h ? w : h, cx = rng_between(r, 0.2, 0.8) * w, cy = rng_between(r, 0.2, 0.8) * h;
    double a = rng_between(r, 0, TWO_PI / 2), half = rng_between(r, 0.12, 0.28) * s;
    double hw = fmax(0.6, s / 128 * rng_between(r, 0.5, 1.2));
    double ax = cx - half * cos(a), ay = cy - half * sin(a), bx = cx + half * cos(a), by = cy + half * sin(a);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (segment_distance(x, y, ax, ay, bx, by) <= hw) m->pixels[(int64_t)y * w + x] = 255;
}

/* A star-shaped blob: radius R (1 + a2 sin(2 theta + p2) + a3 sin(3 theta + p3)). */
static void mark_spot(nb_image *m, rng *r) {
    int w = m->width, h = m->height;
    double s = w < h ? w : h, cx = floor(rng_between(r, 0.2, 0.8) * w), cy = floor(rng_between(r, 0.2, 0.8) * h);
    double radius = fmax(1.5, s * rng_between(r, 0.04, 0.09));
    double a2 = rng_between(r, 0, 0.25), a3 = rng_between(r, 0, 0.2);
    double p2 = rng_between(r, 0, TWO_PI), p3 = rng_between(r, 0, TWO_PI);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = x - cx, dy = y - cy, th = atan2(dy, dx);
            if (hypot(dx, dy) <= radius * (1 + a2 * sin(2 * th + p2) + a3 * sin(3 * th + p3)))
                m->pixels[(int64_t)y * w + x] = 255;
        }
}

/* A walk of unit steps whose heading drifts; it turns back at the borders.
 * Every step marks the pixel it lands on, so the trace is 8-connected. */
static void walk(nb_image *m, rng *r, double x, double y, double heading, int steps, bool thick) {
    int w = m->width, h = m->height;
    for (int i = 0; i < steps; i++) {
        heading += 0.2 * rng_normal(r);
        double nx = x + cos(heading), ny = y + sin(heading);
        if (nx < 0 || nx > w - 1 || ny < 0 || ny > h - 1) { /* turn around instead */
            heading += TWO_PI / 2;
            continue;
        }
        x = nx, y = ny;
        int px = (int)lround(x), py = (int)lround(y);
        m->pixels[(int64_t)py * w + px] = 255;
        if (thick && px + 1 < w) m->pixels[(int64_t)py * w + px + 1] = 255;
    }
}

static void mark_crack(nb_image *m, rng *r) {
    int w = m->width, h = m->height, s = w < h ? w : h;
    double x = rng_between(r, 0.25, 0.75) * (w - 1), y = rng_between(r, 0.25, 0.75) * (h - 1);
    double heading = rng_between(r, 0, TWO_PI);
    int steps = (int)(s * rng_between(r, 0.3, 0.6)) + 2;
    bool thick = s >= 96;
    m->pixels[(int64_t)lround(y) * w + lround(x)] = 255;
    walk(m, r, x, y, heading, steps, thick);
    walk(m, r, x, y, heading + TWO_PI / 2, steps / 2, thick); /* the other way from the start */
}

/* Blends the masked pixels toward color; toward its opposite (255 - color)
 * when the masked area is already close to it, so every defect stands out. */
static void recolor(nb_image *img, const nb_image *mask, double keep, double *color) {
    int ch = img->channels;
    int64_t hw = (int64_t)img->width * img->height, n = 0;
    double mean = 0, target = 0;
    for (int64_t p = 0; p < hw; p++)
        for (int c = 0; mask->pixels[p] && c < ch; c++) mean += img->pixels[p * ch + c], n++;
    for (int c = 0; c < ch; c++) target += color[c] / ch;
    if (fabs(mean / (double)n - target) < 100)
        for (int c = 0; c < 3; c++) color[c] = 255 - color[c];
    for (int64_t p = 0; p < hw; p++)
        for (int c = 0; mask->pixels[p] && c < ch; c++)
            img->pixels[p * ch + c] = to_level(keep * img->pixels[p * ch + c] + (1 - keep) * color[c]);
}

int nb_synth_defect(nb_image *img, nb_defect_kind kind, uint64_t seed, nb_image *mask) {
    if (!img || !img->pixels || !mask) return nb_error_set("synth_defect: NULL image or mask"), -1;
    if ((int)kind < 0 || kind >= NB_DEFECT_KINDS)
        return nb_error_set("synth_defect: unknown defect kind %d", (int)kind), -1;
    if (img->channels != 1 && img->channels != 3)
        return nb_error_set("synth_defect: image has %d channels (1 or 3)", img->channels), -1;
    if (img->width < MIN_SIZE || img->height < MIN_SIZE) /* room for a defect that is surely visible */
        return nb_error_set("synth_defect: image %d x %d is smaller than %d x %d", img->width, img->height,
                            MIN_SIZE, MIN_SIZE), -1;
    if (nb_eval_image_alloc(mask, img->width, img->height, 1, "synth_defect")) return -1;
    memset(mask->pixels, 0, (size_t)img->width * (size_t)img->height);
    rng r = {seed};
    double color[3], keep; /* new = keep * old + (1 - keep) * color */
    if (kind == NB_DEFECT_SCRATCH) {
        mark_scratch(mask, &r);
        keep = 0.2, color[0] = color[1] = color[2] = 250;
    } else if (kind == NB_DEFECT_SPOT) {
        mark_spot(mask, &r);
        keep = 0.4;
        for (int c = 0; c < 3; c++) color[c] = rng_between(&r, 15, 60);
    } else {
        mark_crack(mask, &r);
        keep = 0.2, color[0] = color[1] = color[2] = 10;
    }
    recolor(img, mask, keep, color);
    return 0;
}
