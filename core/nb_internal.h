/* nb_internal.h — what op implementations share: the tape node, the op table,
 * the helper that makes an op's result and records its node, and parallel loops.
 * Not part of the public API (models use nb_core.h and nb_ops.h). */
#ifndef NB_INTERNAL_H
#define NB_INTERNAL_H

#include "nb_core.h"

/* One enum of ops, generated from ops/ops.def. */
typedef enum {
#define NB_OP(id, name) NB_OP_##id,
#include "ops.def"
#undef NB_OP
    NB_OP_COUNT
} nb_op_id;

#define NB_MAX_INPUTS 4
#define NB_MAX_IARGS 12
#define NB_MAX_RARGS 4

/* A tape entry: which op made `output` from which inputs, with the op's
 * arguments. The output owns the node; inputs are borrowed (they outlive it,
 * being older or in a longer-lived arena). */
struct nb_node {
    nb_op_id op;
    int n_inputs;
    nb_tensor *inputs[NB_MAX_INPUTS];
    nb_tensor *output;
    int64_t iargs[NB_MAX_IARGS];
    double rargs[NB_MAX_RARGS];
    nb_tensor *saved; /* optional extra tensor an op keeps (a mask, statistics) */
};

/* Vector-Jacobian product of one node: given gout = dL/d output, set gin[i] =
 * dL/d inputs[i] for each i with need[i]. Written with public ops, so the result
 * is itself on the tape whenever grad mode is on (create_graph). A backward may
 * call a fused kernel instead when !nb_grad_enabled(). */
typedef void (*nb_backward_fn)(nb_node *n, nb_tensor *gout, nb_tensor **gin, const bool *need);

typedef struct {
    const char *name;
    nb_backward_fn backward;
} nb_op_info;

extern const nb_op_info nb_op_table[NB_OP_COUNT];

/* Allocates an op's output of the given shape in the current arena and, when
 * grad mode is on and some input requires grad, records its node. The caller
 * fills out->data and the node's arguments (nb_args(out)). */
nb_tensor *nb_result(nb_op_id op, int n_in, nb_tensor *const *in, int ndim, const int64_t *shape);
/* A view of base's data with a new shape, recorded like nb_result. */
nb_tensor *nb_result_view(nb_op_id op, nb_tensor *base, int ndim, const int64_t *shape);
/* The node's argument block, or a scratch block when no node was recorded, so
 * ops can store arguments unconditionally. */
nb_node *nb_args(nb_tensor *out);

/* How many node VJPs the last reverse pass ran (tests check that unneeded
 * branches are skipped). */
extern _Thread_local int64_t nb_vjp_count;

/* Arena allocation for kernels' scratch and ops' side data; freed with the arena. */
void *nb_arena_alloc(nb_arena *a, size_t bytes);

/* Parallel loop over [0, n): body(i0, i1, ctx) on contiguous chunks. Chunks are
 * fixed by n and grain, not by the thread count, so results are reproducible. */
typedef void (*nb_range_fn)(int64_t i0, int64_t i1, void *ctx);
void nb_parallel_for(int64_t n, int64_t grain, nb_range_fn body, void *ctx);

/* GEMM on nb_real: C = alpha * op(A) op(B) + beta * C, row-major. */
void nb_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, nb_real alpha, const nb_real *a,
             int64_t lda, const nb_real *b, int64_t ldb, nb_real beta, nb_real *c, int64_t ldc);

/* NumPy broadcasting. nb_broadcast_shape records "<op>: [..] and [..] do not
 * broadcast" on failure. nb_broadcast_strides gives t's element strides over the
 * (right-aligned) target shape, 0 on dims where t is broadcast. */
bool nb_broadcast_shape(const char *op, const nb_tensor *a, const nb_tensor *b, int *ndim,
                        int64_t *shape);
void nb_broadcast_strides(const nb_tensor *t, int ndim, const int64_t *shape, int64_t *strides);
/* Offset of element i of `shape` in a tensor of the given strides. */
int64_t nb_broadcast_offset(int64_t i, int ndim, const int64_t *shape, const int64_t *strides);

/* Returns true (and records nothing) when any of the n tensors is NULL. */
bool nb_any_null(int n, nb_tensor *const *t);
#define NB_NULL_GUARD(...) \
    do { \
        nb_tensor *nb_g_[] = {__VA_ARGS__}; \
        if (nb_any_null((int)(sizeof nb_g_ / sizeof nb_g_[0]), nb_g_)) return NULL; \
    } while (0)

#endif
