/* heatmap.c — pictures for people: tensors to 8-bit images, a perceptual
 * colormap, residual heatmaps blended over the input, and image grids
 * (input | reconstruction | difference) for reports. */
#include <math.h>
#include <stdlib.h>
#include "eval_internal.h"

int nb_eval_image_alloc(nb_image *img, int width, int height, int channels, const char *who) {
    *img = (nb_image){0};
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
        return nb_error_set("%s: bad image size %d x %d x %d", who, width, height, channels), -1;
    img->pixels = malloc((size_t)width * (size_t)height * (size_t)channels);
    if (!img->pixels) return nb_error_set("%s: out of memory for a %d x %d image", who, width, height), -1;
    img->width = width;
    img->height = height;
    img->channels = channels;
    return 0;
}

/* Anchors of the colormap: dark purple to pale yellow through red and orange,
 * placed so that luminance (0.2126 R + 0.7152 G + 0.0722 B) rises steadily:
 * 0, 20, 47, 85, 138, 194, 248. RGB is linear between anchors. */
static const struct {
    double t;
    uint8_t rgb[3];
} anchors[] = {
    {0.00, {0, 0, 4}},      {0.15, {31, 12, 72}},   {0.35, {106, 23, 110}}, {0.55, {188, 55, 84}},
    {0.75, {243, 118, 27}}, {0.90, {250, 193, 39}}, {1.00, {252, 255, 164}},
};

void nb_colormap(double t, uint8_t rgb[3]) {
    if (!(t > 0)) t = 0; /* NaN too */
    if (t > 1) t = 1;
    int k = 1;
    while (anchors[k].t < t) k++;
    double f = (t - anchors[k - 1].t) / (anchors[k].t - anchors[k - 1].t);
    for (int c = 0; c < 3; c++)
        rgb[c] = (uint8_t)lround(anchors[k - 1].rgb[c] + f * (anchors[k].rgb[c] - anchors[k - 1].rgb[c]));
}

static uint8_t to_byte(double v) { return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : lround(v)); }

int nb_image_from_tensor(nb_tensor *t, double lo, double hi, nb_image *out) {
    char sa[96];
    if (!t || !out) return nb_error_set("image_from_tensor: NULL tensor or image"), -1;
    int c = t->ndim == 3 ? (int)t->shape[0] : 1;
    if ((t->ndim != 2 && t->ndim != 3) || (c != 1 && c != 3))
        return nb_error_set("image_from_tensor: %s is not [1|3,H,W] or [H,W]", nb_shape_str(t, sa)), -1;
    if (!(hi > lo)) return nb_error_set("image_from_tensor: range [%g, %g] is empty", lo, hi), -1;
    int h = (int)nb_dim(t, -2), w = (int)nb_dim(t, -1);
    if (nb_eval_image_alloc(out, w, h, c, "image_from_tensor")) return -1;
    double scale = 255 / (hi - lo);
    for (int ch = 0; ch < c; ch++) /* planar [C,H,W] to interleaved rows */
        for (int64_t p = 0; p < (int64_t)h * w; p++)
            out->pixels[p * c + ch] = to_byte((t->data[ch * (int64_t)h * w + p] - lo) * scale);
    return 0;
}

static bool is_map_of(nb_tensor *r, int h, int w) {
    bool lead_ok = r->ndim == 2 || (r->ndim == 3 && r->shape[0] == 1);
    return lead_ok && nb_dim(r, -2) == h && nb_dim(r, -1) == w;
}

int nb_heatmap_overlay(const nb_image *base, nb_tensor *residual, double vmin, double vmax, double alpha,
                       nb_image *out) {
    char sa[96];
    if (!base || !base->pixels || !residual || !out)
        return nb_error_set("heatmap_overlay: NULL image or residual"), -1;
    int h = base->height, w = base->width, c = base->channels;
    if (!is_map_of(residual, h, w))
        return nb_error_set("heatmap_overlay: residual %s is not a map of the %d x %d image",
                            nb_shape_str(residual, sa), h, w), -1;
    if (!(alpha >= 0 && alpha <= 1)) return nb_error_set("heatmap_overlay: alpha = %g is not in [0, 1]", alpha), -1;
    const nb_real *r = residual->data;
    if (!(vmax > vmin)) { /* the map's own range */
        vmin = vmax = r[0];
        for (int64_t p = 1; p < residual->numel; p++) vmin = fmin(vmin, r[p]), vmax = fmax(vmax, r[p]);
    }
    double span = vmax > vmin ? vmax - vmin : 1;
    if (nb_eval_image_alloc(out, w, h, 3, "heatmap_overlay")) return -1;
    for (int64_t p = 0; p < (int64_t)h * w; p++) {
        uint8_t rgb[3];
        nb_colormap((r[p] - vmin) / span, rgb);
        for (int k = 0; k < 3; k++) {
            double under = base->pixels[p * c + (c == 3 ? k : 0)];
            out->pixels[p * 3 + k] = to_byte((1 - alpha) * under + alpha * rgb[k]);
        }
    }
    return 0;
}

int nb_image_grid(const nb_image *cells, int rows, int cols, int pad, nb_image *out) {
    if (!cells || !out || rows <= 0 || cols <= 0 || pad < 0)
        return nb_error_set("image_grid: %d x %d cells with padding %d", rows, cols, pad), -1;
    int ch = cells[0].height, cw = cells[0].width;
    for (int i = 0; i < rows * cols; i++)
        if (!cells[i].pixels || cells[i].height != ch || cells[i].width != cw ||
            (cells[i].channels != 1 && cells[i].channels != 3))
            return nb_error_set("image_grid: cell %d is %d x %d x %d, cell 0 is %d x %d", i, cells[i].height,
                                cells[i].width, cells[i].channels, ch, cw), -1;
    int W = cols * cw + (cols + 1) * pad, H = rows * ch + (rows + 1) * pad;
    if (nb_eval_image_alloc(out, W, H, 3, "image_grid")) return -1;
    for (int64_t i = 0; i < (int64_t)W * H * 3; i++) out->pixels[i] = 255;
    for (int i = 0; i < rows * cols; i++) {
        const nb_image *cell = &cells[i];
        int x0 = pad + (i % cols) * (cw + pad), y0 = pad + (i / cols) * (ch + pad), c = cell->channels;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
                for (int k = 0; k < 3; k++)
                    out->pixels[((int64_t)(y0 + y) * W + x0 + x) * 3 + k] =
                        cell->pixels[((int64_t)y * cw + x) * c + (c == 3 ? k : 0)];
    }
    return 0;
}

/* mean over channels of |x - x_hat| into d (h w values); returns its maximum. */
static double abs_difference(nb_tensor *x, nb_tensor *xh, double *d) {
    int c = (int)x->shape[0];
    int64_t hw = x->numel / c;
    double top = 0;
    for (int64_t p = 0; p < hw; p++) {
        d[p] = 0;
        for (int k = 0; k < c; k++) d[p] += fabs((double)x->data[k * hw + p] - xh->data[k * hw + p]) / c;
        top = fmax(top, d[p]);
    }
    return top;
}

static int difference_image(const double *d, int h, int w, double vmax, nb_image *out) {
    if (nb_eval_image_alloc(out, w, h, 3, "comparison_grid")) return -1;
    for (int64_t p = 0; p < (int64_t)h * w; p++) nb_colormap(d[p] / vmax, out->pixels + 3 * p);
    return 0;
}

static int check_pairs(int n, nb_tensor *const *inputs, nb_tensor *const *recons) {
    char sa[96], sb[96];
    if (n <= 0 || !inputs || !recons) return nb_error_set("comparison_grid: no images (n = %d)", n), -1;
    for (int i = 0; i < n; i++) {
        nb_tensor *x = inputs[i], *xh = recons[i];
        if (!x || !xh) return nb_error_set("comparison_grid: image %d is NULL", i), -1;
        if (x->ndim != 3 || !nb_same_shape(x, xh) || !nb_same_shape(x, inputs[0]))
            return nb_error_set("comparison_grid: row %d: input %s, reconstruction %s, row 0 input %s", i,
                                nb_shape_str(x, sa), nb_shape_str(xh, sb), nb_shape_str(inputs[0], sa)), -1;
    }
    return 0;
}

int nb_comparison_grid(int n, nb_tensor *const *inputs, nb_tensor *const *recons, double vmax,
                       nb_image *out) {
    if (!out || check_pairs(n, inputs, recons)) return -1;
    int h = (int)inputs[0]->shape[1], w = (int)inputs[0]->shape[2];
    int64_t hw = (int64_t)h * w;
    double *diff = malloc((size_t)(n * hw) * sizeof *diff);
    nb_image *cells = calloc((size_t)n * 3, sizeof *cells);
    int rc = diff && cells ? 0 : -1;
    if (rc) nb_error_set("comparison_grid: out of memory");
    double top = 0;
    for (int i = 0; i < n && !rc; i++) top = fmax(top, abs_difference(inputs[i], recons[i], diff + i * hw));
    if (!(vmax > 0)) vmax = top > 0 ? top : 1;
    for (int i = 0; i < n && !rc; i++)
        rc = nb_image_from_tensor(inputs[i], -1, 1, &cells[3 * i]) ||
             nb_image_from_tensor(recons[i], -1, 1, &cells[3 * i + 1]) ||
             difference_image(diff + i * hw, h, w, vmax, &cells[3 * i + 2]);
    if (!rc) rc = nb_image_grid(cells, n, 3, 2, out);
    for (int i = 0; cells && i < 3 * n; i++) free(cells[i].pixels);
    free(cells);
    free(diff);
    return rc ? -1 : 0;
}
