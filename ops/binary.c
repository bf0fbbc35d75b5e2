/* binary.c — add, sub, mul, div with NumPy broadcasting, and the broadcasting
 * helpers shared with expand. The backward of a broadcast op sums the gradient
 * back to each operand's shape (nb_sum_to), the adjoint of broadcasting. */
#include "nb_internal.h"
#include "nb_ops.h"

bool nb_broadcast_shape(const char *op, const nb_tensor *a, const nb_tensor *b, int *ndim,
                        int64_t *shape) {
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < nd; d++) {
        int da = d - (nd - a->ndim), db = d - (nd - b->ndim);
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char s1[96], s2[96];
            nb_error_set("%s: %s and %s do not broadcast", op, nb_shape_str(a, s1), nb_shape_str(b, s2));
            return false;
        }
        shape[d] = sa == 1 ? sb : sa;
    }
    *ndim = nd;
    return true;
}

void nb_broadcast_strides(const nb_tensor *t, int ndim, const int64_t *shape, int64_t *strides) {
    int64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        int dt = d - (ndim - t->ndim);
        int64_t size = dt >= 0 ? t->shape[dt] : 1;
        strides[d] = (size == 1 && shape[d] != 1) || dt < 0 ? 0 : s;
        s *= size;
    }
}

int64_t nb_broadcast_offset(int64_t i, int ndim, const int64_t *shape, const int64_t *strides) {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        off += (i % shape[d]) * strides[d];
        i /= shape[d];
    }
    return off;
}

typedef struct {
    nb_op_id op;
    const nb_real *a, *b;
    nb_real *y;
    int ndim;
    int64_t shape[NB_MAX_DIMS], sa[NB_MAX_DIMS], sb[NB_MAX_DIMS];
    int64_t row; /* length of the last dim */
} binary_job;

static inline nb_real apply(nb_op_id op, nb_real a, nb_real b) {
    switch (op) {
    case NB_OP_ADD: return a + b;
    case NB_OP_SUB: return a - b;
    case NB_OP_MUL: return a * b;
    default: return a / b;
    }
}

/* Rows of the output's last dim; each row's operands step by 0 or 1. */
static void binary_rows(int64_t r0, int64_t r1, void *p) {
    const binary_job *j = p;
    int nd = j->ndim;
    int64_t ia = nb_broadcast_offset(r0 * j->row, nd, j->shape, j->sa);
    int64_t ib = nb_broadcast_offset(r0 * j->row, nd, j->shape, j->sb);
    int64_t la = nd ? j->sa[nd - 1] : 0, lb = nd ? j->sb[nd - 1] : 0;
    for (int64_t r = r0; r < r1; r++) {
        if (r > r0) {
            ia = nb_broadcast_offset(r * j->row, nd, j->shape, j->sa);
            ib = nb_broadcast_offset(r * j->row, nd, j->shape, j->sb);
        }
        nb_real *y = j->y + r * j->row;
        const nb_real *a = j->a + ia, *b = j->b + ib;
        for (int64_t k = 0; k < j->row; k++) y[k] = apply(j->op, a[k * la], b[k * lb]);
    }
}

static void same_shape(int64_t i0, int64_t i1, void *p) {
    const binary_job *j = p;
    switch (j->op) {
    case NB_OP_ADD: for (int64_t i = i0; i < i1; i++) j->y[i] = j->a[i] + j->b[i]; break;
    case NB_OP_SUB: for (int64_t i = i0; i < i1; i++) j->y[i] = j->a[i] - j->b[i]; break;
    case NB_OP_MUL: for (int64_t i = i0; i < i1; i++) j->y[i] = j->a[i] * j->b[i]; break;
    default: for (int64_t i = i0; i < i1; i++) j->y[i] = j->a[i] / j->b[i]; break;
    }
}

static nb_tensor *binary(nb_op_id op, nb_tensor *a, nb_tensor *b) {
    NB_NULL_GUARD(a, b);
    binary_job j = {.op = op, .a = a->data, .b = b->data};
    if (!nb_broadcast_shape(nb_op_table[op].name, a, b, &j.ndim, j.shape)) return NULL;
    nb_tensor *in[2] = {a, b};
    nb_tensor *y = nb_result(op, 2, in, j.ndim, j.shape);
    if (!y) return NULL;
    j.y = y->data;
    if (nb_same_shape(a, b)) {
        nb_parallel_for(y->numel, 1 << 15, same_shape, &j);
        return y;
    }
    nb_broadcast_strides(a, j.ndim, j.shape, j.sa);
    nb_broadcast_strides(b, j.ndim, j.shape, j.sb);
    j.row = j.ndim ? j.shape[j.ndim - 1] : 1;
    int64_t rows = j.row ? y->numel / j.row : 0;
    nb_parallel_for(rows, (1 << 15) / (j.row + 1) + 1, binary_rows, &j);
    return y;
}

nb_tensor *nb_add(nb_tensor *a, nb_tensor *b) { return binary(NB_OP_ADD, a, b); }
nb_tensor *nb_sub(nb_tensor *a, nb_tensor *b) { return binary(NB_OP_SUB, a, b); }
nb_tensor *nb_mul(nb_tensor *a, nb_tensor *b) { return binary(NB_OP_MUL, a, b); }
nb_tensor *nb_div(nb_tensor *a, nb_tensor *b) { return binary(NB_OP_DIV, a, b); }

/* ---- backward ---------------------------------------------------------------- */
#define A (n->inputs[0])
#define B (n->inputs[1])
#define TO_A(t) nb_sum_to(t, A->ndim, A->shape)
#define TO_B(t) nb_sum_to(t, B->ndim, B->shape)

void nb_bw_add(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    if (need[0]) gin[0] = TO_A(g);
    if (need[1]) gin[1] = TO_B(g);
}
void nb_bw_sub(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    if (need[0]) gin[0] = TO_A(g);
    if (need[1]) gin[1] = TO_B(nb_neg(g));
}
/* d(ab) = b da + a db */
void nb_bw_mul(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    if (need[0]) gin[0] = TO_A(nb_mul(g, B));
    if (need[1]) gin[1] = TO_B(nb_mul(g, A));
}
/* d(a/b) = da / b - (a/b) db / b */
void nb_bw_div(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    if (need[0]) gin[0] = TO_A(nb_div(g, B));
    if (need[1]) gin[1] = TO_B(nb_neg(nb_div(nb_mul(g, n->output), B)));
}
