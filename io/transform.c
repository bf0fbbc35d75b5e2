/* transform.c — image transforms on float tensors [C,H,W]: resize, center
 * crop, pad, horizontal flip, grayscale, normalization, and the pipeline that
 * takes a dataset image (and its mask) through them. Transforms are data
 * preparation, not model ops: results carry no tape node.
 *
 * Resize is separable and PIL-style. For an output pixel o along an axis of
 * scale s = in / out, its centre in input coordinates is c = (o + 0.5) s; it
 * averages input pixels k in [c - r, c + r), r = max(s, 1), with triangle
 * weights w_k = max(0, 1 - |k + 0.5 - c| / max(s, 1)), normalized to sum 1.
 * Enlarging (s <= 1) this is plain bilinear interpolation between pixel centres;
 * shrinking, the triangle widens with s so every input pixel contributes
 * (antialiasing) instead of sampling two and skipping the rest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io_internal.h"
#include "nb_internal.h"

static bool check_chw(const char *who, const nb_tensor *x) {
    char s[96];
    if (x && x->ndim == 3) return true;
    if (x) nb_error_set("%s: want [C,H,W], got %s", who, nb_shape_str(x, s));
    else nb_error_set("%s: NULL tensor", who);
    return false;
}

/* Per-axis filter taps: output o reads inputs first[o] .. first[o] + count[o] - 1
 * with weights w[o * max_taps + j]. */
typedef struct {
    int64_t *first, *count;
    double *w;
    int64_t max_taps;
} taps;

static void taps_free(taps *t) {
    free(t->first);
    free(t->count);
    free(t->w);
    memset(t, 0, sizeof *t);
}

static int taps_make(taps *t, int64_t in, int64_t out) {
    double scale = (double)in / (double)out, support = scale > 1 ? scale : 1;
    t->max_taps = (int64_t)ceil(support) * 2 + 1;
    t->first = malloc((size_t)out * sizeof *t->first);
    t->count = malloc((size_t)out * sizeof *t->count);
    t->w = calloc((size_t)(out * t->max_taps), sizeof *t->w);
    if (!t->first || !t->count || !t->w) {
        taps_free(t);
        return nb_io_fail("resize: out of memory");
    }
    for (int64_t o = 0; o < out; o++) {
        double c = (o + 0.5) * scale;
        int64_t lo = (int64_t)(c - support + 0.5), hi = (int64_t)(c + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in) hi = in;
        double *w = t->w + o * t->max_taps, sum = 0;
        for (int64_t k = lo; k < hi; k++) {
            double d = fabs((double)k + 0.5 - c) / support;
            w[k - lo] = d < 1 ? 1 - d : 0;
            sum += w[k - lo];
        }
        for (int64_t k = lo; k < hi && sum > 0; k++) w[k - lo] /= sum;
        t->first[o] = lo;
        t->count[o] = hi - lo;
    }
    return 0;
}

/* dst[o * dstride] = sum_j w_j src[(first + j) * sstride] for each output o */
static void apply_taps(const taps *t, int64_t out, const nb_real *src, int64_t sstride, nb_real *dst,
                       int64_t dstride) {
    for (int64_t o = 0; o < out; o++) {
        const double *w = t->w + o * t->max_taps;
        const nb_real *s = src + t->first[o] * sstride;
        double acc = 0;
        for (int64_t j = 0; j < t->count[o]; j++) acc += w[j] * (double)s[j * sstride];
        dst[o * dstride] = (nb_real)acc;
    }
}

nb_tensor *nb_tf_resize(const nb_tensor *x, int64_t height, int64_t width) {
    if (!check_chw("resize", x)) return NULL;
    int64_t C = x->shape[0], H = x->shape[1], W = x->shape[2];
    if (height < 1 || width < 1 || H < 1 || W < 1)
        return nb_error_set("resize: [%lld,%lld] to [%lld,%lld]: sizes must be positive", (long long)H,
                            (long long)W, (long long)height, (long long)width);
    taps th = {0}, tw = {0};
    nb_tensor *y = nb_tensor_new(NB_SHAPE(C, height, width));
    nb_real *mid = nb_arena_alloc(NULL, (size_t)(C * H * width) * sizeof *mid); /* horizontal pass */
    if (!y || !mid || taps_make(&tw, W, width) || taps_make(&th, H, height)) {
        taps_free(&tw);
        return NULL;
    }
    for (int64_t r = 0; r < C * H; r++) apply_taps(&tw, width, x->data + r * W, 1, mid + r * width, 1);
    for (int64_t c = 0; c < C; c++)
        for (int64_t col = 0; col < width; col++)
            apply_taps(&th, height, mid + c * H * width + col, width, y->data + c * height * width + col, width);
    taps_free(&tw);
    taps_free(&th);
    return y;
}

nb_tensor *nb_tf_pad(const nb_tensor *x, int64_t top, int64_t bottom, int64_t left, int64_t right,
                     double value) {
    if (!check_chw("pad", x)) return NULL;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) return nb_error_set("pad: negative padding");
    int64_t C = x->shape[0], H = x->shape[1], W = x->shape[2], OH = H + top + bottom, OW = W + left + right;
    nb_tensor *y = nb_full(NB_SHAPE(C, OH, OW), (nb_real)value);
    if (!y) return NULL;
    for (int64_t c = 0; c < C; c++)
        for (int64_t r = 0; r < H; r++)
            memcpy(y->data + (c * OH + r + top) * OW + left, x->data + (c * H + r) * W, (size_t)W * sizeof(nb_real));
    return y;
}

/* The window [top, top + height) x [left, left + width) of x. */
static nb_tensor *window(const nb_tensor *x, int64_t top, int64_t left, int64_t height, int64_t width) {
    int64_t C = x->shape[0], H = x->shape[1], W = x->shape[2];
    nb_tensor *y = nb_tensor_new(NB_SHAPE(C, height, width));
    if (!y) return NULL;
    for (int64_t c = 0; c < C; c++)
        for (int64_t r = 0; r < height; r++)
            memcpy(y->data + (c * height + r) * width, x->data + (c * H + r + top) * W + left,
                   (size_t)width * sizeof(nb_real));
    return y;
}

/* Offsets (H - h) / 2 and (W - w) / 2, rounded down. */
nb_tensor *nb_tf_center_crop(const nb_tensor *x, int64_t height, int64_t width) {
    if (!check_chw("center_crop", x)) return NULL;
    int64_t H = x->shape[1], W = x->shape[2];
    if (height < 1 || width < 1 || height > H || width > W)
        return nb_error_set("center_crop: cannot cut %lldx%lld out of %lldx%lld", (long long)height,
                            (long long)width, (long long)H, (long long)W);
    return window(x, (H - height) / 2, (W - width) / 2, height, width);
}

nb_tensor *nb_tf_hflip(const nb_tensor *x) {
    if (!check_chw("hflip", x)) return NULL;
    int64_t rows = x->shape[0] * x->shape[1], W = x->shape[2];
    nb_tensor *y = nb_tensor_new(x->ndim, x->shape);
    if (!y) return NULL;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < W; j++) y->data[r * W + j] = x->data[r * W + W - 1 - j];
    return y;
}

/* Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601 luma); one channel is copied. */
nb_tensor *nb_tf_grayscale(const nb_tensor *x) {
    if (!check_chw("grayscale", x)) return NULL;
    int64_t C = x->shape[0], hw = x->shape[1] * x->shape[2];
    if (C != 1 && C != 3) return nb_error_set("grayscale: %lld channels (want 1 or 3)", (long long)C);
    nb_tensor *y = nb_tensor_new(NB_SHAPE(1, x->shape[1], x->shape[2]));
    if (!y) return NULL;
    for (int64_t p = 0; p < hw; p++)
        y->data[p] = C == 1 ? x->data[p]
                            : (nb_real)(0.299 * x->data[p] + 0.587 * x->data[hw + p] + 0.114 * x->data[2 * hw + p]);
    return y;
}

nb_tensor *nb_tf_normalize(const nb_tensor *x) {
    if (!check_chw("normalize", x)) return NULL;
    nb_tensor *y = nb_tensor_new(x->ndim, x->shape);
    if (!y) return NULL;
    for (int64_t i = 0; i < x->numel; i++) y->data[i] = 2 * x->data[i] - 1;
    return y;
}

/* ---- the pipeline --------------------------------------------------------------------- */

void nb_transform_shape(const nb_transform *tf, int in_h, int in_w, int64_t shape[3]) {
    shape[0] = tf->channels;
    shape[1] = tf->resize_h ? tf->resize_h : in_h;
    shape[2] = tf->resize_w ? tf->resize_w : in_w;
    if (tf->crop_h) shape[1] = tf->crop_h;
    if (tf->crop_w) shape[2] = tf->crop_w;
    shape[1] += 2 * tf->pad;
    shape[2] += 2 * tf->pad;
}

/* The geometric steps, shared by images and masks. */
static nb_tensor *geometry(const nb_transform *tf, const nb_tensor *x, bool flip) {
    int64_t h = x ? x->shape[1] : 0, w = x ? x->shape[2] : 0;
    if (x && (tf->resize_h || tf->resize_w))
        x = nb_tf_resize(x, tf->resize_h ? tf->resize_h : h, tf->resize_w ? tf->resize_w : w);
    if (x && (tf->crop_h || tf->crop_w))
        x = nb_tf_center_crop(x, tf->crop_h ? tf->crop_h : x->shape[1], tf->crop_w ? tf->crop_w : x->shape[2]);
    if (x && tf->pad) x = nb_tf_pad(x, tf->pad, tf->pad, tf->pad, tf->pad, 0);
    if (x && flip) x = nb_tf_hflip(x);
    return (nb_tensor *)x;
}

static nb_tensor *gray_to_rgb(const nb_tensor *x) {
    int64_t hw = x->shape[1] * x->shape[2];
    nb_tensor *y = nb_tensor_new(NB_SHAPE(3, x->shape[1], x->shape[2]));
    for (int c = 0; y && c < 3; c++) memcpy(y->data + c * hw, x->data, (size_t)hw * sizeof(nb_real));
    return y;
}

nb_tensor *nb_transform_apply(const nb_transform *tf, const nb_image *img, const nb_image *mask,
                              double flip_draw, nb_tensor **mask_out) {
    if (mask_out) *mask_out = NULL;
    if (!tf || (tf->channels != 1 && tf->channels != 3) || tf->resize_h < 0 || tf->resize_w < 0 ||
        tf->crop_h < 0 || tf->crop_w < 0 || tf->pad < 0)
        return nb_error_set("transform: channels must be 1 or 3 and sizes non-negative");
    nb_tensor *x = nb_image_to_tensor(img);
    if (x && tf->channels == 1 && x->shape[0] == 3) x = nb_tf_grayscale(x);
    if (x && tf->channels == 3 && x->shape[0] == 1) x = gray_to_rgb(x);
    bool flip = flip_draw < tf->hflip_p;
    x = geometry(tf, x, flip);
    if (x && tf->normalize) x = nb_tf_normalize(x);
    if (x && mask && mask_out) {
        nb_tensor *m = geometry(tf, nb_image_to_tensor(mask), flip);
        /* interpolation blurs edges: threshold back to {0, 1} */
        for (int64_t i = 0; m && i < m->numel; i++) m->data[i] = m->data[i] >= (nb_real)0.5;
        if (!m) return NULL;
        *mask_out = m;
    }
    return x;
}
