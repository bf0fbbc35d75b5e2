/* tensor.c — making tensors: shapes, creation from data and from the RNG,
 * copies and views. Every tensor is contiguous; a view shares its base's data. */
#include <string.h>
#include "nb_internal.h"

static bool check_shape(const char *who, int ndim, const int64_t *shape, int64_t *numel) {
    if (ndim < 0 || ndim > NB_MAX_DIMS) {
        nb_error_set("%s: %d dims, at most %d are supported", who, ndim, NB_MAX_DIMS);
        return false;
    }
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) {
            nb_error_set("%s: negative size %lld in dim %d", who, (long long)shape[d], d);
            return false;
        }
        n *= shape[d];
    }
    *numel = n;
    return true;
}

/* A tensor header in arena a, with no data yet. */
static nb_tensor *header(nb_arena *a, int ndim, const int64_t *shape, int64_t numel) {
    nb_tensor *t = nb_arena_alloc(a, sizeof *t);
    if (!t) return NULL;
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
    t->numel = numel;
    t->arena = a;
    return t;
}

static nb_tensor *new_in(nb_arena *a, int ndim, const int64_t *shape) {
    int64_t numel;
    if (!check_shape("tensor", ndim, shape, &numel)) return NULL;
    nb_tensor *t = header(a, ndim, shape, numel);
    if (!t) return NULL;
    t->data = nb_arena_alloc(a, (size_t)(numel ? numel : 1) * sizeof(nb_real));
    return t->data ? t : NULL;
}

nb_tensor *nb_tensor_new(int ndim, const int64_t *shape) {
    return new_in(nb_arena_current(), ndim, shape);
}

nb_tensor *nb_full(int ndim, const int64_t *shape, nb_real value) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    if (!t) return NULL;
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = value;
    return t;
}

nb_tensor *nb_zeros(int ndim, const int64_t *shape) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    if (t) memset(t->data, 0, (size_t)t->numel * sizeof(nb_real));
    return t;
}

nb_tensor *nb_ones(int ndim, const int64_t *shape) { return nb_full(ndim, shape, 1); }

nb_tensor *nb_scalar(nb_real value) { return nb_full(0, NULL, value); }

nb_tensor *nb_from_data(int ndim, const int64_t *shape, const nb_real *data) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    if (t) memcpy(t->data, data, (size_t)t->numel * sizeof(nb_real));
    return t;
}

nb_tensor *nb_uniform(int ndim, const int64_t *shape, nb_real lo, nb_real hi) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    if (!t) return NULL;
    for (int64_t i = 0; i < t->numel; i++)
        t->data[i] = (nb_real)(lo + (hi - lo) * nb_rand_uniform());
    return t;
}

nb_tensor *nb_normal(int ndim, const int64_t *shape, nb_real mean, nb_real std) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    if (!t) return NULL;
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (nb_real)(mean + std * nb_rand_normal());
    return t;
}

nb_tensor *nb_zeros_like(const nb_tensor *t) { return t ? nb_zeros(t->ndim, t->shape) : NULL; }

nb_tensor *nb_copy_to(nb_arena *a, const nb_tensor *t) {
    if (!t) return NULL;
    nb_tensor *c = new_in(a ? a : nb_arena_current(), t->ndim, t->shape);
    if (c) memcpy(c->data, t->data, (size_t)t->numel * sizeof(nb_real));
    return c;
}

nb_tensor *nb_clone(const nb_tensor *t) { return nb_copy_to(NULL, t); }

nb_tensor *nb_detach(nb_tensor *t) {
    if (!t) return NULL;
    nb_tensor *v = header(nb_arena_current(), t->ndim, t->shape, t->numel);
    if (v) v->data = t->data;
    return v;
}

bool nb_same_shape(const nb_tensor *a, const nb_tensor *b) {
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

int64_t nb_dim(const nb_tensor *t, int d) {
    if (d < 0) d += t->ndim;
    return (d >= 0 && d < t->ndim) ? t->shape[d] : 1;
}

/* ---- recording op results -------------------------------------------------- */

static _Thread_local nb_node scratch_node;

static void record(nb_tensor *out, nb_op_id op, int n_in, nb_tensor *const *in) {
    if (!nb_grad_enabled()) return;
    bool any = false;
    for (int i = 0; i < n_in; i++) any |= in[i]->requires_grad;
    if (!any) return;
    nb_node *n = nb_arena_alloc(out->arena, sizeof *n);
    if (!n) return;
    n->op = op;
    n->n_inputs = n_in;
    for (int i = 0; i < n_in; i++) n->inputs[i] = in[i];
    n->output = out;
    out->node = n;
    out->requires_grad = true;
}

nb_tensor *nb_result(nb_op_id op, int n_in, nb_tensor *const *in, int ndim, const int64_t *shape) {
    nb_tensor *out = nb_tensor_new(ndim, shape);
    if (out) record(out, op, n_in, in);
    return out;
}

nb_tensor *nb_result_view(nb_op_id op, nb_tensor *base, int ndim, const int64_t *shape) {
    int64_t numel;
    if (!check_shape(nb_op_table[op].name, ndim, shape, &numel)) return NULL;
    nb_tensor *out = header(nb_arena_current(), ndim, shape, numel);
    if (!out) return NULL;
    out->data = base->data;
    record(out, op, 1, &base);
    return out;
}

nb_node *nb_args(nb_tensor *out) {
    if (out->node) return out->node;
    memset(&scratch_node, 0, sizeof scratch_node);
    return &scratch_node;
}
