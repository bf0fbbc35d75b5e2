/* matmul.c — C = op(A) op(B) for 2-D tensors, op = identity or transpose, as
 * one GEMM (nb_gemm). With the transpose flags the VJPs are matmuls again:
 *   dA = G op(B)^T   (or op(B) G^T when A was transposed)
 *   dB = op(A)^T G   (or G^T op(A) when B was transposed)
 * so derivatives of any order stay within this op. */
#include "nb_internal.h"
#include "nb_ops.h"

nb_tensor *nb_matmul_t(nb_tensor *a, nb_tensor *b, bool ta, bool tb) {
    NB_NULL_GUARD(a, b);
    char s1[96], s2[96];
    if (a->ndim != 2 || b->ndim != 2)
        return nb_error_set("matmul: %s x %s: both must be 2-D", nb_shape_str(a, s1), nb_shape_str(b, s2));
    int64_t m = ta ? a->shape[1] : a->shape[0], k = ta ? a->shape[0] : a->shape[1];
    int64_t kb = tb ? b->shape[1] : b->shape[0], n = tb ? b->shape[0] : b->shape[1];
    if (k != kb)
        return nb_error_set("matmul: %s%s x %s%s: inner dims differ", nb_shape_str(a, s1), ta ? "^T" : "",
                            nb_shape_str(b, s2), tb ? "^T" : "");
    nb_tensor *in[2] = {a, b};
    nb_tensor *c = nb_result(NB_OP_MATMUL, 2, in, 2, (int64_t[]){m, n});
    if (!c) return NULL;
    nb_node *args = nb_args(c);
    args->iargs[0] = ta, args->iargs[1] = tb;
    if (m && n)
        nb_gemm(ta, tb, m, n, k, 1, a->data, a->shape[1], b->data, b->shape[1], 0, c->data, n);
    return c;
}

nb_tensor *nb_matmul(nb_tensor *a, nb_tensor *b) { return nb_matmul_t(a, b, false, false); }

void nb_bw_matmul(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    nb_tensor *a = n->inputs[0], *b = n->inputs[1];
    bool ta = n->iargs[0], tb = n->iargs[1];
    if (need[0]) gin[0] = ta ? nb_matmul_t(b, g, tb, true) : nb_matmul_t(g, b, false, !tb);
    if (need[1]) gin[1] = tb ? nb_matmul_t(g, a, true, ta) : nb_matmul_t(a, g, !ta, false);
}
