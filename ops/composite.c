/* composite.c — ops built from primitives, so their derivatives of every order
 * come from the primitives' VJPs: linear layers, losses and norms. */
#include "nb_internal.h"
#include "nb_ops.h"

/* y = x W^T + b, x [..., in] (leading dims flattened), W [out, in], b [out] */
nb_tensor *nb_linear(nb_tensor *x, nb_tensor *w, nb_tensor *b) {
    NB_NULL_GUARD(x, w);
    char s1[96], s2[96];
    if (w->ndim != 2 || x->ndim < 1 || x->shape[x->ndim - 1] != w->shape[1])
        return nb_error_set("linear: input %s does not fit weight %s", nb_shape_str(x, s1),
                            nb_shape_str(w, s2));
    if (b && (b->ndim != 1 || b->shape[0] != w->shape[0]))
        return nb_error_set("linear: bias %s does not fit weight %s", nb_shape_str(b, s1),
                            nb_shape_str(w, s2));
    nb_tensor *x2 = x->ndim == 2 ? x : nb_reshape(x, 2, (int64_t[]){-1, w->shape[1]});
    nb_tensor *y = nb_matmul_t(x2, w, false, true);
    if (b) y = nb_add(y, b);
    if (x->ndim == 2 || !y) return y;
    int64_t shape[NB_MAX_DIMS];
    for (int d = 0; d < x->ndim - 1; d++) shape[d] = x->shape[d];
    shape[x->ndim - 1] = w->shape[0];
    return nb_reshape(y, x->ndim, shape);
}

static bool same_or_error(const char *op, const nb_tensor *a, const nb_tensor *b) {
    if (nb_same_shape(a, b)) return true;
    char s1[96], s2[96];
    nb_error_set("%s: %s and %s differ", op, nb_shape_str(a, s1), nb_shape_str(b, s2));
    return false;
}

nb_tensor *nb_mse_loss(nb_tensor *a, nb_tensor *b) {
    NB_NULL_GUARD(a, b);
    if (!same_or_error("mse_loss", a, b)) return NULL;
    return nb_mean(nb_square(nb_sub(a, b)));
}

nb_tensor *nb_l1_loss(nb_tensor *a, nb_tensor *b) {
    NB_NULL_GUARD(a, b);
    if (!same_or_error("l1_loss", a, b)) return NULL;
    return nb_mean(nb_abs(nb_sub(a, b)));
}

/* ||x_i|| = sqrt(sum over all non-batch dims of x_i^2): the gradient-penalty norm */
nb_tensor *nb_norm_per_sample(nb_tensor *x) {
    NB_NULL_GUARD(x);
    if (x->ndim < 2) {
        char s[96];
        return nb_error_set("norm_per_sample: needs [N, ...], got %s", nb_shape_str(x, s));
    }
    return nb_sqrt(nb_sum_dims(nb_flatten(nb_square(x)), 1, (int[]){1}, false));
}
