/* dropout.c — dropout of elements and of whole channels. In training each
 * element (or each [n, c] channel) is kept with probability 1 - p and scaled by
 * 1/(1 - p), so the expectation is unchanged: y = x * mask. The mask is drawn
 * from the global seeded RNG on the calling thread in index order and is a
 * constant to the derivative, so nb_mul carries every derivative order. In eval
 * mode, or with p = 0, dropout is the identity. */
#include "nb_internal.h"
#include "nb_ops.h"

static bool check_p(const char *op, double p) {
    if (p >= 0 && p < 1) return true;
    nb_error_set("%s: p = %g is outside [0, 1)", op, p);
    return false;
}

/* 1/(1-p) where a uniform draw u >= p (probability 1 - p), else 0 */
static nb_tensor *keep_mask(int ndim, const int64_t *shape, double p) {
    nb_tensor *m = nb_tensor_new(ndim, shape);
    if (!m) return NULL;
    nb_real keep = (nb_real)(1 / (1 - p));
    for (int64_t i = 0; i < m->numel; i++) m->data[i] = nb_rand_uniform() >= p ? keep : 0;
    return m;
}

nb_tensor *nb_dropout(nb_tensor *x, double p, bool training) {
    NB_NULL_GUARD(x);
    if (!check_p("dropout", p)) return NULL;
    if (!training || p == 0) return x;
    return nb_mul(x, keep_mask(x->ndim, x->shape, p));
}

/* x [N,C,H,W]; one draw per (n, c), broadcast over the H x W plane */
nb_tensor *nb_dropout2d(nb_tensor *x, double p, bool training) {
    NB_NULL_GUARD(x);
    if (x->ndim != 4) {
        char s[96];
        return nb_error_set("dropout2d: input %s must be [N,C,H,W]", nb_shape_str(x, s));
    }
    if (!check_p("dropout2d", p)) return NULL;
    if (!training || p == 0) return x;
    return nb_mul(x, keep_mask(NB_SHAPE(x->shape[0], x->shape[1], 1, 1), p));
}
