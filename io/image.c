/* image.c — between 8-bit interleaved images (HWC) and channel-planar float
 * tensors (CHW): pixel p <-> p / 255, and back with rounding and clamping from
 * any value range [lo, hi] (a generator's tanh output uses [-1, 1]). */
#include <math.h>
#include <stdlib.h>
#include "io_internal.h"

/* HWC bytes -> CHW reals in [0, 1] */
static void unpack(const nb_image *img, nb_real *dst) {
    int64_t hw = (int64_t)img->width * img->height;
    for (int c = 0; c < img->channels; c++)
        for (int64_t p = 0; p < hw; p++)
            dst[c * hw + p] = (nb_real)img->pixels[p * img->channels + c] / (nb_real)255;
}

nb_tensor *nb_image_to_tensor(const nb_image *img) {
    if (!img || !img->pixels) return nb_error_set("image_to_tensor: empty image");
    nb_tensor *t = nb_tensor_new(NB_SHAPE(img->channels, img->height, img->width));
    if (t) unpack(img, t->data);
    return t;
}

int nb_image_to_slot(const nb_image *img, nb_tensor *batch, int64_t i) {
    char s[96];
    if (!img || !img->pixels || !batch) {
        nb_error_set("image_to_slot: empty image or NULL batch");
        return -1;
    }
    if (batch->ndim != 4 || batch->shape[1] != img->channels || batch->shape[2] != img->height ||
        batch->shape[3] != img->width || i < 0 || i >= batch->shape[0]) {
        nb_error_set("image_to_slot: image %dx%dx%d (CxHxW) does not fit slot %lld of %s",
                     img->channels, img->height, img->width, (long long)i, nb_shape_str(batch, s));
        return -1;
    }
    unpack(img, batch->data + i * (batch->numel / batch->shape[0]));
    return 0;
}

int nb_tensor_to_image(const nb_tensor *t, int64_t i, double lo, double hi, nb_image *img) {
    char s[96];
    img->pixels = NULL;
    if (!t) {
        nb_error_set("tensor_to_image: NULL tensor");
        return -1;
    }
    bool batched = t->ndim == 4;
    int off = batched ? 1 : 0;
    if ((t->ndim != 3 && !batched) || (batched && (i < 0 || i >= t->shape[0])) ||
        (t->shape[off] != 1 && t->shape[off] != 3) || !(hi > lo)) {
        nb_error_set("tensor_to_image: want [C,H,W] or slot %lld of [N,C,H,W] with C 1 or 3 and "
                     "lo < hi, got %s, range [%g, %g]", (long long)i, nb_shape_str(t, s), lo, hi);
        return -1;
    }
    int c = (int)t->shape[off], h = (int)t->shape[off + 1], w = (int)t->shape[off + 2];
    if (nb_image_alloc(img, w, h, c)) return -1;
    const nb_real *src = t->data + (batched ? i * (t->numel / t->shape[0]) : 0);
    int64_t hw = (int64_t)w * h;
    double scale = 255.0 / (hi - lo);
    for (int ch = 0; ch < c; ch++)
        for (int64_t p = 0; p < hw; p++) {
            double v = round(((double)src[ch * hw + p] - lo) * scale);
            img->pixels[p * c + ch] = (uint8_t)(!(v > 0) ? 0 : v > 255 ? 255 : v); /* NaN -> 0 */
        }
    return 0;
}
