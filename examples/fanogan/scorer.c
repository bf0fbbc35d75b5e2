/* scorer.c — how score, compare and predict run images through the model:
 * one image at a time. The networks are in eval mode, so in exact arithmetic
 * an image's scores do not depend on its batch; in float they do, in the last
 * bits: the GEMMs under the convolutions round an image's columns differently
 * with the batch's size and the image's place in it (OpenBLAS kernels and
 * blockings). z_distance, a mean of squared differences of nearly equal
 * codes, shows that noise. Scored alone, an image gets exactly the same numbers
 * from score and from predict, whatever else was scored with it; scoring one
 * at a time costs about 1.5 times the time of batches of 64. */
#include <string.h>
#include "tool.h"

/* Copies src ([1, ...]) into row `at` of dst ([K, ...]). */
static void copy_row(nb_tensor *dst, int64_t at, const nb_tensor *src) {
    memcpy(dst->data + at * src->numel, src->data, (size_t)src->numel * sizeof *src->data);
}

/* A [k, ...] tensor shaped like t's rows. */
static nb_tensor *rows_like(const nb_tensor *t, int64_t k) {
    int64_t shape[NB_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[0] = k;
    return nb_tensor_new(t->ndim, shape);
}

int fg_score_images(nb_fanogan *m, const fg_options *o, nb_tensor *x, nb_fanogan_scores *out) {
    const int64_t k = x->shape[0];
    nb_fanogan_score_opts so = {o->kappa, (nb_fanogan_image_distance)o->distance};
    /* each image's work in a scratch arena on a [1,C,H,W] view of its row of
     * x (no copy), its results copied out */
    nb_arena *caller = nb_arena_current(), *scratch = nb_arena_new();
    int rc = 0;
    for (int64_t i = 0; !rc && i < k; i++) {
        nb_arena_use(scratch);
        nb_tensor *one = nb_slice(x, 0, i, i + 1);
        nb_fanogan_scores s = {0};
        rc = !one || nb_fanogan_score(m, one, &so, &s) ? -1 : 0;
        nb_arena_use(caller);
        nb_tensor *const src[6] = {s.anomaly_score, s.img_distance, s.feat_distance, s.z_distance,
                                   s.reconstruction, s.residual};
        nb_tensor **dst[6] = {&out->anomaly_score, &out->img_distance, &out->feat_distance, &out->z_distance,
                              &out->reconstruction, &out->residual};
        for (int r = 0; !rc && r < 6; r++) {
            if (i == 0 && !(*dst[r] = rows_like(src[r], k))) rc = -1;
            if (!rc) copy_row(*dst[r], i, src[r]);
        }
        nb_arena_reset(scratch);
    }
    nb_arena_use(caller);
    nb_arena_free(scratch);
    return rc;
}
