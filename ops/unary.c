/* unary.c — elementwise functions of one tensor, forward and backward side by
 * side. Each backward multiplies gout by the derivative, expressed with ops so
 * that it can be differentiated again. Where the derivative is cheapest in terms
 * of the output y (exp, tanh, sigmoid, sqrt) the backward uses y, which is itself
 * a differentiable function of x. */
#include <tgmath.h> /* exp, log, ... of nb_real: expf in the float build */
#include "nb_internal.h"
#include "nb_ops.h"

typedef struct {
    nb_op_id op;
    const nb_real *x;
    nb_real *y;
    double a; /* the op's scalar: c, p or slope */
} unary_job;

#define MAP(expr) \
    for (int64_t i = i0; i < i1; i++) { \
        nb_real v = x[i]; \
        y[i] = (nb_real)(expr); \
    } \
    break

static void unary_kernel(int64_t i0, int64_t i1, void *p) {
    const unary_job *j = p;
    const nb_real *x = j->x;
    nb_real *y = j->y;
    const nb_real a = (nb_real)j->a;
    switch (j->op) {
    case NB_OP_NEG: MAP(-v);
    case NB_OP_SCALE: MAP(a * v);
    case NB_OP_ADD_SCALAR: MAP(v + a);
    case NB_OP_EXP: MAP(exp(v));
    case NB_OP_LOG: MAP(log(v));
    case NB_OP_SQRT: MAP(sqrt(v));
    case NB_OP_RSQRT: MAP(1 / sqrt(v));
    case NB_OP_POW: MAP(pow(v, a));
    case NB_OP_ABS: MAP(fabs(v));
    case NB_OP_SQUARE: MAP(v * v);
    case NB_OP_RELU: MAP(v > 0 ? v : 0);
    case NB_OP_LEAKY_RELU: MAP(v > 0 ? v : a * v);
    case NB_OP_TANH: MAP(tanh(v));
    case NB_OP_SIGMOID: MAP(1 / (1 + exp(-v)));
    default: break;
    }
}

static nb_tensor *unary(nb_op_id op, nb_tensor *x, double a) {
    NB_NULL_GUARD(x);
    nb_tensor *y = nb_result(op, 1, &x, x->ndim, x->shape);
    if (!y) return NULL;
    nb_args(y)->rargs[0] = a;
    unary_job j = {op, x->data, y->data, a};
    nb_parallel_for(x->numel, 1 << 15, unary_kernel, &j);
    return y;
}

nb_tensor *nb_neg(nb_tensor *x) { return unary(NB_OP_NEG, x, 0); }
nb_tensor *nb_scale(nb_tensor *x, double c) { return unary(NB_OP_SCALE, x, c); }
nb_tensor *nb_add_scalar(nb_tensor *x, double c) { return unary(NB_OP_ADD_SCALAR, x, c); }
nb_tensor *nb_exp(nb_tensor *x) { return unary(NB_OP_EXP, x, 0); }
nb_tensor *nb_log(nb_tensor *x) { return unary(NB_OP_LOG, x, 0); }
nb_tensor *nb_sqrt(nb_tensor *x) { return unary(NB_OP_SQRT, x, 0); }
nb_tensor *nb_rsqrt(nb_tensor *x) { return unary(NB_OP_RSQRT, x, 0); }
nb_tensor *nb_pow(nb_tensor *x, double p) { return unary(NB_OP_POW, x, p); }
nb_tensor *nb_abs(nb_tensor *x) { return unary(NB_OP_ABS, x, 0); }
nb_tensor *nb_square(nb_tensor *x) { return unary(NB_OP_SQUARE, x, 0); }
nb_tensor *nb_relu(nb_tensor *x) { return unary(NB_OP_RELU, x, 0); }
nb_tensor *nb_leaky_relu(nb_tensor *x, double slope) { return unary(NB_OP_LEAKY_RELU, x, slope); }
nb_tensor *nb_tanh(nb_tensor *x) { return unary(NB_OP_TANH, x, 0); }
nb_tensor *nb_sigmoid(nb_tensor *x) { return unary(NB_OP_SIGMOID, x, 0); }

/* Constants of x, never on the tape: 1 where x > 0 else `below`; sign(x). They
 * carry the piecewise-constant derivatives of relu, leaky_relu and abs, whose
 * own derivative is zero, so higher derivatives come out exactly right. With g,
 * masked() gives g times that mask in one pass: the backward of relu and
 * leaky_relu when it is not itself taped (no create_graph). */
typedef struct {
    const nb_real *x, *g;
    nb_real *out, below;
} mask_job;

static void mask_kernel(int64_t i0, int64_t i1, void *p) {
    const mask_job *j = p;
    if (j->g)
        for (int64_t i = i0; i < i1; i++) j->out[i] = j->x[i] > 0 ? j->g[i] : j->below * j->g[i];
    else
        for (int64_t i = i0; i < i1; i++) j->out[i] = j->x[i] > 0 ? 1 : j->below;
}

static nb_tensor *masked(nb_tensor *x, nb_tensor *g, double below) {
    NB_NULL_GUARD(x);
    nb_tensor *m = nb_tensor_new(x->ndim, x->shape);
    if (!m) return NULL;
    mask_job j = {x->data, g ? g->data : NULL, m->data, (nb_real)below};
    nb_parallel_for(x->numel, 1 << 15, mask_kernel, &j);
    return m;
}

nb_tensor *nb_positive_mask(nb_tensor *x, double below) { return masked(x, NULL, below); }

static nb_tensor *masked_grad(nb_tensor *x, nb_tensor *g, double below) {
    NB_NULL_GUARD(x, g);
    return masked(x, g, below);
}

nb_tensor *nb_sign(nb_tensor *x) {
    NB_NULL_GUARD(x);
    nb_tensor *m = nb_tensor_new(x->ndim, x->shape);
    if (!m) return NULL;
    for (int64_t i = 0; i < x->numel; i++) m->data[i] = (nb_real)((x->data[i] > 0) - (x->data[i] < 0));
    return m;
}

/* ---- backward: gin = gout * f'(x) ------------------------------------------ */
#define X (n->inputs[0])
#define Y (n->output)
#define A (n->rargs[0])

void nb_bw_neg(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)n, (void)need;
    gin[0] = nb_neg(g);
}
void nb_bw_scale(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_scale(g, A);
}
void nb_bw_add_scalar(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)n, (void)need;
    gin[0] = g;
}
/* d exp(x) = exp(x) = y */
void nb_bw_exp(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, Y);
}
/* d log(x) = 1/x */
void nb_bw_log(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_div(g, X);
}
/* d sqrt(x) = 1 / (2 y) */
void nb_bw_sqrt(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_div(g, nb_scale(Y, 2));
}
/* d x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3 */
void nb_bw_rsqrt(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, nb_scale(nb_pow(Y, 3), -0.5));
}
/* d x^p = p x^(p-1) */
void nb_bw_pow(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = A == 0 ? nb_scale(g, 0) : nb_mul(g, nb_scale(nb_pow(X, A - 1), A));
}
/* d |x| = sign(x), a constant */
void nb_bw_abs(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, nb_sign(X));
}
/* d x^2 = 2x */
void nb_bw_square(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, nb_scale(X, 2));
}
void nb_bw_relu(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_grad_enabled() ? nb_mul(g, nb_positive_mask(X, 0)) : masked_grad(X, g, 0);
}
/* slope where x <= 0, 1 elsewhere: a piecewise-constant factor */
void nb_bw_leaky_relu(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_grad_enabled() ? nb_mul(g, nb_positive_mask(X, A)) : masked_grad(X, g, A);
}
/* d tanh(x) = 1 - y^2 */
void nb_bw_tanh(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, nb_add_scalar(nb_neg(nb_square(Y)), 1));
}
/* d sigmoid(x) = y (1 - y) */
void nb_bw_sigmoid(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = nb_mul(g, nb_mul(Y, nb_add_scalar(nb_neg(Y), 1)));
}
