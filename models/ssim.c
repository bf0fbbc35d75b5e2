/* ssim.c — structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004) for
 * scoring reconstructions: no gradient, computed in double.
 *
 * Local statistics are Gaussian-weighted means (11 x 11 window, sigma 1.5,
 * applied as two 1-D passes) of x, y, x^2, y^2 and x y; then
 *   sx^2 = E[x^2] - mx^2,  sy^2 = E[y^2] - my^2,  sxy = E[x y] - mx my,
 *   SSIM = (2 mx my + C1)(2 sxy + C2) / ((mx^2 + my^2 + C1)(sx^2 + sy^2 + C2)).
 * The window is mirrored at the borders (d c b a | a b c d, scipy's "reflect")
 * so the map has the image's size, which per-pixel anomaly maps need. */
#include <math.h>
#include <stdlib.h>
#include "nb_eval.h"
#include "nb_internal.h"

#define RADIUS 5 /* 11 taps */
#define SIGMA 1.5

static void gaussian_window(double *win) {
    double sum = 0;
    for (int i = -RADIUS; i <= RADIUS; i++) {
        win[i + RADIUS] = exp(-i * i / (2 * SIGMA * SIGMA));
        sum += win[i + RADIUS];
    }
    for (int i = 0; i < 2 * RADIUS + 1; i++) win[i] /= sum;
}

/* Index i mirrored into [0, n): the pattern repeats with period 2 n. */
static int reflect(int i, int n) {
    i %= 2 * n;
    if (i < 0) i += 2 * n;
    return i < n ? i : 2 * n - 1 - i;
}

/* dst = src blurred along x then y; tmp is h w doubles. */
static void blur(const double *src, double *dst, double *tmp, int h, int w, const double *win) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int k = -RADIUS; k <= RADIUS; k++) acc += win[k + RADIUS] * src[y * w + reflect(x + k, w)];
            tmp[y * w + x] = acc;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int k = -RADIUS; k <= RADIUS; k++) acc += win[k + RADIUS] * tmp[reflect(y + k, h) * w + x];
            dst[y * w + x] = acc;
        }
}

/* Adds the SSIM map of one channel, divided by c, into map. buf: 7 h w doubles. */
static void channel_ssim(const nb_real *x, const nb_real *y, int64_t hw, int h, int w, double c1, double c2,
                         double inv_c, double *buf, double *map) {
    double win[2 * RADIUS + 1];
    gaussian_window(win);
    double *src = buf, *tmp = buf + hw, *mom[5]; /* E[x], E[y], E[x^2], E[y^2], E[xy] */
    for (int k = 0; k < 5; k++) {
        mom[k] = buf + (2 + k) * hw;
        for (int64_t p = 0; p < hw; p++) {
            double a = x[p], b = y[p];
            src[p] = k == 0 ? a : k == 1 ? b : k == 2 ? a * a : k == 3 ? b * b : a * b;
        }
        blur(src, mom[k], tmp, h, w, win);
    }
    for (int64_t p = 0; p < hw; p++) {
        double mx = mom[0][p], my = mom[1][p];
        double sxx = mom[2][p] - mx * mx, syy = mom[3][p] - my * my, sxy = mom[4][p] - mx * my;
        map[p] += inv_c * (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    }
}

/* The channel-mean map in double (malloc'ed), or NULL with an error. */
static double *ssim_map_double(nb_tensor *x, nb_tensor *y, double data_range, int *h, int *w) {
    char sa[96], sb[96];
    if (!nb_same_shape(x, y))
        return nb_error_set("ssim: %s and %s differ", nb_shape_str(x, sa), nb_shape_str(y, sb));
    if (x->ndim != 2 && x->ndim != 3)
        return nb_error_set("ssim: %s is not an image [C,H,W] or [H,W]", nb_shape_str(x, sa));
    if (!(data_range > 0 && isfinite(data_range)))
        return nb_error_set("ssim: data_range = %g must be positive", data_range);
    int c = x->ndim == 3 ? (int)x->shape[0] : 1;
    *h = (int)nb_dim(x, -2);
    *w = (int)nb_dim(x, -1);
    int64_t hw = (int64_t)*h * *w;
    double *map = calloc((size_t)hw, sizeof *map), *buf = malloc(7 * (size_t)hw * sizeof *buf);
    if (!map || !buf) {
        free(map);
        free(buf);
        return nb_error_set("ssim: out of memory for %s", nb_shape_str(x, sa));
    }
    double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
    for (int ch = 0; ch < c; ch++)
        channel_ssim(x->data + ch * hw, y->data + ch * hw, hw, *h, *w, c1, c2, 1.0 / c, buf, map);
    free(buf);
    return map;
}

nb_tensor *nb_ssim_map(nb_tensor *x, nb_tensor *y, double data_range) {
    NB_NULL_GUARD(x, y);
    int h, w;
    double *map = ssim_map_double(x, y, data_range, &h, &w);
    if (!map) return NULL;
    nb_tensor *out = nb_tensor_new(NB_SHAPE(h, w));
    if (out)
        for (int64_t p = 0; p < out->numel; p++) out->data[p] = (nb_real)map[p];
    free(map);
    return out;
}

double nb_ssim(nb_tensor *x, nb_tensor *y, double data_range) {
    if (!x || !y) return nb_error_set("ssim: NULL image"), NAN;
    int h, w;
    double *map = ssim_map_double(x, y, data_range, &h, &w);
    if (!map) return NAN;
    double sum = 0;
    for (int64_t p = 0; p < (int64_t)h * w; p++) sum += map[p];
    free(map);
    return sum / ((double)h * w);
}
