/* reduce.c — sums over dims and broadcasting, a pair of adjoints:
 *   sum_dims: y = sum over the listed dims        backward: expand g back to x's shape
 *   expand:   y = x broadcast to a larger shape   backward: sum g back to x's shape
 * Sums accumulate in double; a full reduction adds fixed-size chunks in a fixed
 * order, so its result does not depend on the thread count. mean, sum_to and
 * friends are composed from these two. */
#include <string.h>
#include "nb_internal.h"
#include "nb_ops.h"

/* Dims merged into runs of reduced or kept dims, with their strides in x. */
typedef struct {
    const nb_real *x;
    nb_real *y;
    int n_keep, n_red;
    int64_t keep_size[NB_MAX_DIMS], keep_stride[NB_MAX_DIMS];
    int64_t red_size[NB_MAX_DIMS], red_stride[NB_MAX_DIMS];
    int64_t red_count;
} reduce_job;

static void plan(reduce_job *j, const nb_tensor *x, const bool *red) {
    int64_t stride[NB_MAX_DIMS], s = 1;
    for (int d = x->ndim - 1; d >= 0; d--) stride[d] = s, s *= x->shape[d];
    j->n_keep = j->n_red = 0;
    j->red_count = 1;
    for (int d = 0; d < x->ndim; d++) {
        if (x->shape[d] == 1) continue;
        bool r = red[d];
        int64_t *size = r ? j->red_size : j->keep_size, *str = r ? j->red_stride : j->keep_stride;
        int *cnt = r ? &j->n_red : &j->n_keep;
        bool prev_same = d > 0 && *cnt > 0 && str[*cnt - 1] == stride[d] * x->shape[d];
        if (prev_same) { /* adjacent in memory: merge */
            size[*cnt - 1] *= x->shape[d];
            str[*cnt - 1] = stride[d];
        } else {
            size[*cnt] = x->shape[d];
            str[*cnt] = stride[d];
            (*cnt)++;
        }
        if (r) j->red_count *= x->shape[d];
    }
}

static double sum_reduced(const reduce_job *j, int64_t base) {
    if (j->n_red == 0) return j->x[base];
    int64_t idx[NB_MAX_DIMS] = {0};
    int last = j->n_red - 1;
    int64_t inner = j->red_size[last], istr = j->red_stride[last];
    double acc = 0;
    for (;;) {
        int64_t off = base;
        for (int k = 0; k < last; k++) off += idx[k] * j->red_stride[k];
        const nb_real *p = j->x + off;
        if (istr == 1)
            for (int64_t i = 0; i < inner; i++) acc += p[i];
        else
            for (int64_t i = 0; i < inner; i++) acc += p[i * istr];
        int k = last - 1;
        while (k >= 0 && ++idx[k] == j->red_size[k]) idx[k--] = 0;
        if (k < 0) return acc;
    }
}

static void reduce_outputs(int64_t o0, int64_t o1, void *p) {
    const reduce_job *j = p;
    for (int64_t o = o0; o < o1; o++) {
        int64_t base = 0, rem = o;
        for (int k = j->n_keep - 1; k >= 0; k--) {
            base += (rem % j->keep_size[k]) * j->keep_stride[k];
            rem /= j->keep_size[k];
        }
        j->y[o] = (nb_real)sum_reduced(j, base);
    }
}

#define CHUNK 16384
typedef struct {
    const nb_real *x;
    int64_t n;
    double *partial;
} full_job;

static void sum_chunks(int64_t c0, int64_t c1, void *p) {
    const full_job *j = p;
    for (int64_t c = c0; c < c1; c++) {
        int64_t i1 = (c + 1) * CHUNK < j->n ? (c + 1) * CHUNK : j->n;
        double acc = 0;
        for (int64_t i = c * CHUNK; i < i1; i++) acc += j->x[i];
        j->partial[c] = acc;
    }
}

static nb_real sum_all(const nb_tensor *x) {
    int64_t chunks = (x->numel + CHUNK - 1) / CHUNK;
    double partial_small[64];
    double *partial = chunks <= 64 ? partial_small : nb_arena_alloc(NULL, (size_t)chunks * sizeof(double));
    if (!partial) return 0;
    full_job j = {x->data, x->numel, partial};
    nb_parallel_for(chunks, 1, sum_chunks, &j);
    double acc = 0;
    for (int64_t c = 0; c < chunks; c++) acc += partial[c];
    return (nb_real)acc;
}

nb_tensor *nb_sum_dims(nb_tensor *x, int n, const int *dims, bool keepdim) {
    NB_NULL_GUARD(x);
    bool red[NB_MAX_DIMS] = {0};
    for (int i = 0; i < n; i++) {
        int d = dims[i] < 0 ? dims[i] + x->ndim : dims[i];
        if (d < 0 || d >= x->ndim) {
            char s[96];
            return nb_error_set("sum: dim %d out of range for shape %s", dims[i], nb_shape_str(x, s));
        }
        red[d] = true;
    }
    int64_t shape[NB_MAX_DIMS];
    int nd = 0;
    for (int d = 0; d < x->ndim; d++) {
        if (!red[d]) shape[nd++] = x->shape[d];
        else if (keepdim) shape[nd++] = 1;
    }
    nb_tensor *y = nb_result(NB_OP_SUM_DIMS, 1, &x, nd, shape);
    if (!y) return NULL;
    nb_args(y)->iargs[0] = keepdim;
    for (int d = 0; d < x->ndim; d++) nb_args(y)->iargs[1] |= (int64_t)red[d] << d;
    reduce_job j = {.x = x->data, .y = y->data};
    plan(&j, x, red);
    if (j.n_keep == 0 && x->numel > 0)
        y->data[0] = sum_all(x);
    else if (x->numel == 0)
        memset(y->data, 0, (size_t)y->numel * sizeof(nb_real));
    else
        nb_parallel_for(y->numel, (1 << 14) / (j.red_count + 1) + 1, reduce_outputs, &j);
    return y;
}

nb_tensor *nb_sum(nb_tensor *x) {
    NB_NULL_GUARD(x);
    int dims[NB_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++) dims[d] = d;
    return nb_sum_dims(x, x->ndim, dims, false);
}

nb_tensor *nb_mean(nb_tensor *x) {
    NB_NULL_GUARD(x);
    return nb_scale(nb_sum(x), x->numel ? 1.0 / (double)x->numel : 0);
}

nb_tensor *nb_mean_dims(nb_tensor *x, int n, const int *dims, bool keepdim) {
    nb_tensor *s = nb_sum_dims(x, n, dims, keepdim);
    if (!s) return NULL;
    int64_t count = s->numel ? x->numel / s->numel : 0;
    return nb_scale(s, count ? 1.0 / (double)count : 0);
}

/* backward of y = sum_dims(x): every x element gets the g of its sum */
void nb_bw_sum_dims(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    nb_tensor *x = n->inputs[0];
    int64_t shape[NB_MAX_DIMS]; /* x's shape with the reduced dims as 1 */
    for (int d = 0; d < x->ndim; d++) shape[d] = (n->iargs[1] >> d & 1) ? 1 : x->shape[d];
    gin[0] = nb_expand(nb_reshape(g, x->ndim, shape), x->ndim, x->shape);
}

/* ---- expand: y[i] = x[broadcast index of i] ---------------------------- */
typedef struct {
    const nb_real *x;
    nb_real *y;
    int ndim;
    int64_t shape[NB_MAX_DIMS], sx[NB_MAX_DIMS], row;
} expand_job;

static void expand_rows(int64_t r0, int64_t r1, void *p) {
    const expand_job *j = p;
    int64_t lx = j->sx[j->ndim - 1];
    for (int64_t r = r0; r < r1; r++) {
        const nb_real *x = j->x + nb_broadcast_offset(r * j->row, j->ndim, j->shape, j->sx);
        nb_real *y = j->y + r * j->row;
        for (int64_t k = 0; k < j->row; k++) y[k] = x[k * lx];
    }
}

nb_tensor *nb_expand(nb_tensor *x, int ndim, const int64_t *shape) {
    NB_NULL_GUARD(x);
    nb_tensor target = {.ndim = ndim};
    memcpy(target.shape, shape, (size_t)ndim * sizeof *shape);
    int bd;
    int64_t bshape[NB_MAX_DIMS];
    if (ndim < x->ndim || !nb_broadcast_shape("expand", x, &target, &bd, bshape) ||
        memcmp(bshape, shape, (size_t)ndim * sizeof *shape) != 0) {
        char s1[96], s2[96];
        return nb_error_set("expand: %s cannot be broadcast to %s", nb_shape_str(x, s1),
                            nb_shape_str(&target, s2));
    }
    if (ndim == x->ndim && nb_same_shape(x, &target)) return x;
    nb_tensor *y = nb_result(NB_OP_EXPAND, 1, &x, ndim, shape);
    if (!y || !y->numel) return y;
    expand_job j = {.x = x->data, .y = y->data, .ndim = ndim};
    memcpy(j.shape, shape, (size_t)ndim * sizeof *shape);
    nb_broadcast_strides(x, ndim, shape, j.sx);
    j.row = shape[ndim - 1];
    nb_parallel_for(y->numel / j.row, (1 << 15) / (j.row + 1) + 1, expand_rows, &j);
    return y;
}

void nb_bw_expand(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_sum_to(g, n->inputs[0]->ndim, n->inputs[0]->shape);
}

/* Sums x over the dims where `shape` is 1 (or missing on the left): the
 * adjoint of expand to x's shape. */
nb_tensor *nb_sum_to(nb_tensor *x, int ndim, const int64_t *shape) {
    NB_NULL_GUARD(x);
    nb_tensor target = {.ndim = ndim};
    memcpy(target.shape, shape, (size_t)ndim * sizeof *shape);
    if (nb_same_shape(x, &target)) return x;
    int dims[NB_MAX_DIMS], n = 0, lead = x->ndim - ndim;
    if (lead < 0) goto bad;
    for (int d = 0; d < x->ndim; d++) {
        int t = d - lead;
        if (t < 0 || (shape[t] == 1 && x->shape[d] != 1)) dims[n++] = d;
        else if (shape[t] != x->shape[d]) goto bad;
    }
    return nb_reshape(nb_sum_dims(x, n, dims, true), ndim, shape);
bad:;
    char s1[96], s2[96];
    return nb_error_set("sum_to: %s cannot be summed to %s", nb_shape_str(x, s1),
                        nb_shape_str(&target, s2));
}
