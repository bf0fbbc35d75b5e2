/* shape.c — ops that move data without arithmetic: reshape (a view), slice and
 * its adjoint pad_slice, concat, transpose. Along dim 0 a slice is a view.
 * Every op here is linear, so its backward is another op of this file. */
#include <string.h>
#include "nb_internal.h"
#include "nb_ops.h"

/* Viewing a tensor as [outer, size of dim, inner]. */
static void split_at(const nb_tensor *x, int dim, int64_t *outer, int64_t *inner) {
    *outer = *inner = 1;
    for (int d = 0; d < dim; d++) *outer *= x->shape[d];
    for (int d = dim + 1; d < x->ndim; d++) *inner *= x->shape[d];
}

static int norm_dim(const char *op, const nb_tensor *x, int dim) {
    int d = dim < 0 ? dim + x->ndim : dim;
    if (d < 0 || d >= x->ndim) {
        char s[96];
        nb_error_set("%s: dim %d out of range for shape %s", op, dim, nb_shape_str(x, s));
        return -1;
    }
    return d;
}

nb_tensor *nb_reshape(nb_tensor *x, int ndim, const int64_t *shape) {
    NB_NULL_GUARD(x);
    int64_t s[NB_MAX_DIMS], known = 1;
    int infer = -1;
    if (ndim < 0 || ndim > NB_MAX_DIMS) return nb_error_set("reshape: %d dims", ndim);
    for (int d = 0; d < ndim; d++) {
        s[d] = shape[d];
        if (shape[d] == -1 && infer < 0) infer = d;
        else known *= shape[d];
    }
    if (infer >= 0 && known > 0) s[infer] = x->numel / known;
    nb_tensor want = {.ndim = ndim};
    memcpy(want.shape, s, (size_t)ndim * sizeof *s);
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) numel *= s[d];
    if (numel != x->numel || (infer >= 0 && known * s[infer] != x->numel)) {
        char s1[96], s2[96];
        return nb_error_set("reshape: cannot view %s as %s", nb_shape_str(x, s1), nb_shape_str(&want, s2));
    }
    if (nb_same_shape(x, &want)) return x;
    return nb_result_view(NB_OP_RESHAPE, x, ndim, s);
}

nb_tensor *nb_flatten(nb_tensor *x) {
    NB_NULL_GUARD(x);
    if (x->ndim < 1) return nb_error_set("flatten: needs a batch dim, got a scalar");
    return nb_reshape(x, 2, (int64_t[]){x->shape[0], -1});
}

void nb_bw_reshape(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_reshape(g, n->inputs[0]->ndim, n->inputs[0]->shape);
}

/* y = x[..., start:end, ...] along dim */
nb_tensor *nb_slice(nb_tensor *x, int dim, int64_t start, int64_t end) {
    NB_NULL_GUARD(x);
    int d = norm_dim("slice", x, dim);
    if (d < 0) return NULL;
    if (start < 0 || end > x->shape[d] || start > end) {
        char s[96];
        return nb_error_set("slice: [%lld, %lld) out of range of dim %d of %s", (long long)start,
                            (long long)end, d, nb_shape_str(x, s));
    }
    int64_t shape[NB_MAX_DIMS], outer, inner;
    memcpy(shape, x->shape, sizeof shape);
    shape[d] = end - start;
    split_at(x, d, &outer, &inner);
    nb_tensor *y;
    if (outer == 1) { /* contiguous: a view */
        y = nb_result_view(NB_OP_SLICE, x, x->ndim, shape);
        if (y) y->data = x->data + start * inner;
    } else {
        y = nb_result(NB_OP_SLICE, 1, &x, x->ndim, shape);
        if (y)
            for (int64_t o = 0; o < outer; o++)
                memcpy(y->data + o * shape[d] * inner, x->data + (o * x->shape[d] + start) * inner,
                       (size_t)(shape[d] * inner) * sizeof(nb_real));
    }
    if (!y) return NULL;
    nb_node *a = nb_args(y);
    a->iargs[0] = d, a->iargs[1] = start, a->iargs[2] = x->shape[d];
    return y;
}

/* y = zeros with dim of size `full`, and x placed at [start, start + len) */
nb_tensor *nb_pad_slice(nb_tensor *x, int dim, int64_t start, int64_t full) {
    NB_NULL_GUARD(x);
    int d = norm_dim("pad_slice", x, dim);
    if (d < 0) return NULL;
    int64_t len = x->shape[d];
    if (start < 0 || start + len > full) {
        char s[96];
        return nb_error_set("pad_slice: %s at %lld does not fit in %lld along dim %d", nb_shape_str(x, s),
                            (long long)start, (long long)full, d);
    }
    int64_t shape[NB_MAX_DIMS], outer, inner;
    memcpy(shape, x->shape, sizeof shape);
    shape[d] = full;
    split_at(x, d, &outer, &inner);
    nb_tensor *y = nb_result(NB_OP_PAD_SLICE, 1, &x, x->ndim, shape);
    if (!y) return NULL;
    memset(y->data, 0, (size_t)y->numel * sizeof(nb_real));
    for (int64_t o = 0; o < outer; o++)
        memcpy(y->data + (o * full + start) * inner, x->data + o * len * inner,
               (size_t)(len * inner) * sizeof(nb_real));
    nb_node *a = nb_args(y);
    a->iargs[0] = d, a->iargs[1] = start;
    return y;
}

void nb_bw_slice(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_pad_slice(g, (int)n->iargs[0], n->iargs[1], n->iargs[2]);
}

void nb_bw_pad_slice(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    int64_t d = n->iargs[0], start = n->iargs[1];
    gin[0] = nb_slice(g, (int)d, start, start + n->inputs[0]->shape[d]);
}

/* Concatenation along dim of up to NB_MAX_INPUTS tensors per node; more are
 * concatenated in groups. */
nb_tensor *nb_concat(int n, nb_tensor *const *xs, int dim) {
    if (n < 1) return nb_error_set("concat: no tensors");
    if (nb_any_null(n, xs)) return NULL;
    if (n == 1) return xs[0];
    if (n > NB_MAX_INPUTS) {
        nb_tensor *parts[NB_MAX_INPUTS];
        int per = (n + NB_MAX_INPUTS - 1) / NB_MAX_INPUTS, k = 0;
        for (int i = 0; i < n; i += per, k++) parts[k] = nb_concat(n - i < per ? n - i : per, xs + i, dim);
        return nb_concat(k, parts, dim);
    }
    int d = norm_dim("concat", xs[0], dim);
    if (d < 0) return NULL;
    int64_t shape[NB_MAX_DIMS], outer, inner;
    memcpy(shape, xs[0]->shape, sizeof shape);
    shape[d] = 0;
    for (int i = 0; i < n; i++) {
        bool ok = xs[i]->ndim == xs[0]->ndim;
        for (int k = 0; ok && k < xs[0]->ndim; k++) ok = k == d || xs[i]->shape[k] == xs[0]->shape[k];
        if (!ok) {
            char s1[96], s2[96];
            return nb_error_set("concat: %s and %s differ outside dim %d", nb_shape_str(xs[0], s1),
                                nb_shape_str(xs[i], s2), d);
        }
        shape[d] += xs[i]->shape[d];
    }
    nb_tensor *y = nb_result(NB_OP_CONCAT, n, xs, xs[0]->ndim, shape);
    if (!y) return NULL;
    split_at(y, d, &outer, &inner);
    for (int64_t o = 0; o < outer; o++) {
        nb_real *dst = y->data + o * shape[d] * inner;
        for (int i = 0; i < n; i++) {
            int64_t len = xs[i]->shape[d] * inner;
            memcpy(dst, xs[i]->data + o * len, (size_t)len * sizeof(nb_real));
            dst += len;
        }
    }
    nb_args(y)->iargs[0] = d;
    return y;
}

void nb_bw_concat(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    int d = (int)n->iargs[0];
    int64_t at = 0;
    for (int i = 0; i < n->n_inputs; i++) {
        int64_t len = n->inputs[i]->shape[d];
        if (need[i]) gin[i] = nb_slice(g, d, at, at + len);
        at += len;
    }
}

nb_tensor *nb_transpose(nb_tensor *x) {
    NB_NULL_GUARD(x);
    if (x->ndim != 2) {
        char s[96];
        return nb_error_set("transpose: needs a 2-D tensor, got %s", nb_shape_str(x, s));
    }
    int64_t r = x->shape[0], c = x->shape[1];
    nb_tensor *y = nb_result(NB_OP_TRANSPOSE, 1, &x, 2, (int64_t[]){c, r});
    if (!y) return NULL;
    for (int64_t i = 0; i < r; i++)
        for (int64_t j = 0; j < c; j++) y->data[j * r + i] = x->data[i * c + j];
    return y;
}

void nb_bw_transpose(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)n, (void)need;
    gin[0] = nb_transpose(g);
}
