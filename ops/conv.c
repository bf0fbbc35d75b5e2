/* conv.c — conv2d and conv_transpose2d as three bilinear primitives that are
 * each other's derivatives. With a fixed geometry (conv_kernels.h), all three
 * are partial derivatives of one trilinear form T(x, w, gy) = <gy, conv(x, w)>:
 *   conv2d(x, w)             = dT/dgy   output [n, o, h_out, w_out]
 *   conv_transpose2d(gy, w)  = dT/dx    output [n, c, h_in, w_in]
 *   conv2d_weight(x, gy)     = dT/dw    output [o, c/groups, kh, kw]
 * so each VJP is another of the three, and derivatives of any order close over
 * them:
 *   conv2d:           dx  = conv_transpose2d(g, w)   dw = conv2d_weight(x, g)
 *   conv_transpose2d: dgy = conv2d(g, w)             dw = conv2d_weight(g, gy)
 *   conv2d_weight:    dx  = conv_transpose2d(gy, g)  dgy = conv2d(x, g)
 * Every node stores the whole geometry, the input size h_in x w_in and the
 * output_padding included, so the shape of a transposed convolution's output
 * (an input gradient) is exact. A bias is a broadcast add of b viewed as
 * [1, C, 1, 1]. */
#include <string.h>
#include "conv_kernels.h"
#include "nb_ops.h"

/* ---- the geometry in a node's arguments ----------------------------------- */
enum { A_HIN, A_WIN, A_HOUT, A_WOUT, A_KH, A_KW, A_STRIDE, A_PADH, A_PADW, A_DIL, A_GROUPS, A_OUTPAD };

static void store(nb_tensor *out, const nb_conv_geom *g) {
    int64_t *a = nb_args(out)->iargs;
    a[A_HIN] = g->h_in, a[A_WIN] = g->w_in, a[A_HOUT] = g->h_out, a[A_WOUT] = g->w_out;
    a[A_KH] = g->kh, a[A_KW] = g->kw, a[A_STRIDE] = g->stride;
    a[A_PADH] = g->pad_h, a[A_PADW] = g->pad_w;
    a[A_DIL] = g->dil, a[A_GROUPS] = g->groups, a[A_OUTPAD] = g->out_pad;
}

/* n, c and o come from the tensors of each call. */
static nb_conv_geom load(const nb_node *nd) {
    const int64_t *a = nd->iargs;
    return (nb_conv_geom){.h_in = a[A_HIN], .w_in = a[A_WIN], .h_out = a[A_HOUT], .w_out = a[A_WOUT],
                          .kh = a[A_KH], .kw = a[A_KW], .stride = a[A_STRIDE], .pad_h = a[A_PADH],
                          .pad_w = a[A_PADW], .dil = a[A_DIL], .groups = a[A_GROUPS], .out_pad = a[A_OUTPAD]};
}

/* ---- the three primitives --------------------------------------------------- */
/* conv2d           (x [n, c, h_in, w_in], w [o, c/groups, kh, kw]) -> [n, o, h_out, w_out]
 * conv_transpose2d (gy [n, o, h_out, w_out], w)                     -> [n, c, h_in, w_in]
 * conv2d_weight    (x, gy)                                          -> [o, c/groups, kh, kw] */
static nb_tensor *primitive(nb_op_id op, nb_tensor *a, nb_tensor *b, nb_conv_geom g) {
    NB_NULL_GUARD(a, b);
    g.n = a->shape[0];
    int64_t shape[4];
    if (op == NB_OP_CONV2D) {
        g.c = a->shape[1], g.o = b->shape[0];
        memcpy(shape, (int64_t[]){g.n, g.o, g.h_out, g.w_out}, sizeof shape);
    } else if (op == NB_OP_CONV_TRANSPOSE2D) {
        g.o = a->shape[1], g.c = b->shape[1] * g.groups;
        memcpy(shape, (int64_t[]){g.n, g.c, g.h_in, g.w_in}, sizeof shape);
    } else {
        g.c = a->shape[1], g.o = b->shape[1];
        memcpy(shape, (int64_t[]){g.o, g.c / g.groups, g.kh, g.kw}, sizeof shape);
    }
    nb_tensor *in[2] = {a, b};
    nb_tensor *out = nb_result(op, 2, in, 4, shape);
    if (!out) return NULL;
    store(out, &g);
    return nb_conv_kernel(op, &g, a->data, b->data, out->data) ? out : NULL;
}

static nb_tensor *conv_op(nb_tensor *x, nb_tensor *w, nb_conv_geom g) {
    return primitive(NB_OP_CONV2D, x, w, g);
}
static nb_tensor *conv_transpose_op(nb_tensor *gy, nb_tensor *w, nb_conv_geom g) {
    return primitive(NB_OP_CONV_TRANSPOSE2D, gy, w, g);
}
static nb_tensor *conv_weight_op(nb_tensor *x, nb_tensor *gy, nb_conv_geom g) {
    return primitive(NB_OP_CONV2D_WEIGHT, x, gy, g);
}

void nb_bw_conv2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    nb_conv_geom geo = load(n);
    if (need[0]) gin[0] = conv_transpose_op(g, n->inputs[1], geo);
    if (need[1]) gin[1] = conv_weight_op(n->inputs[0], g, geo);
}

void nb_bw_conv_transpose2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    nb_conv_geom geo = load(n);
    if (need[0]) gin[0] = conv_op(g, n->inputs[1], geo);
    if (need[1]) gin[1] = conv_weight_op(g, n->inputs[0], geo);
}

void nb_bw_conv2d_weight(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    nb_conv_geom geo = load(n);
    if (need[0]) gin[0] = conv_transpose_op(n->inputs[1], g, geo);
    if (need[1]) gin[1] = conv_op(n->inputs[0], g, geo);
}

/* ---- the public ops: shape rules --------------------------------------------- */
/* Checks what both public ops share, 4-D operands, a non-empty weight and
 * non-negative parameters, and fills the parameter fields of g (zero fields
 * take the defaults). */
static bool check_common(const char *op, const nb_tensor *x, const nb_tensor *w, nb_conv_params p,
                         nb_conv_geom *g) {
    char s1[96], s2[96];
    if (x->ndim != 4 || w->ndim != 4 || w->numel == 0) {
        nb_error_set("%s: input %s and weight %s: want a 4-D input [N, C, H, W] and a non-empty 4-D weight", op,
                     nb_shape_str(x, s1), nb_shape_str(w, s2));
        return false;
    }
    if (p.stride < 0 || p.padding < 0 || p.dilation < 0 || p.groups < 0 || p.output_padding < 0) {
        nb_error_set("%s: negative parameter (stride %d, padding %d, dilation %d, groups %d, output_padding %d)", op,
                     p.stride, p.padding, p.dilation, p.groups, p.output_padding);
        return false;
    }
    g->stride = p.stride ? p.stride : 1, g->pad_h = g->pad_w = p.padding, g->dil = p.dilation ? p.dilation : 1;
    g->groups = p.groups ? p.groups : 1, g->out_pad = p.output_padding;
    g->kh = w->shape[2], g->kw = w->shape[3];
    g->n = x->shape[0];
    return true;
}

/* channels of tensor t (the "input" or "output" channels) split into groups */
static bool groups_divide(const char *op, const char *which, int64_t channels, const nb_tensor *t,
                          const nb_conv_geom *g) {
    if (channels % g->groups == 0) return true;
    char s[96];
    nb_error_set("%s: groups %lld does not divide the %lld %s channels (%s)", op, (long long)g->groups,
                 (long long)channels, which, nb_shape_str(t, s));
    return false;
}

static bool check_bias(const char *op, const nb_tensor *b, int64_t channels) {
    if (!b || (b->ndim == 1 && b->shape[0] == channels)) return true;
    char s[96];
    nb_error_set("%s: bias %s does not fit the %lld output channels: want [%lld]", op, nb_shape_str(b, s),
                 (long long)channels, (long long)channels);
    return false;
}

static nb_tensor *add_bias(nb_tensor *y, nb_tensor *b) {
    if (!b || !y) return y;
    return nb_add(y, nb_reshape(b, 4, (int64_t[]){1, b->shape[0], 1, 1}));
}

/* The output size of a convolution along one dim, or 0 when the dilated kernel
 * does not fit the padded input. */
static int64_t conv_out_size(int64_t in, int64_t k, int64_t pad, const nb_conv_geom *g) {
    int64_t span = g->dil * (k - 1) + 1, padded = in + 2 * pad;
    return span > padded ? 0 : (padded - span) / g->stride + 1;
}

nb_tensor *nb_conv2d(nb_tensor *x, nb_tensor *w, nb_tensor *b, nb_conv_params p) {
    NB_NULL_GUARD(x, w);
    nb_conv_geom g = {0};
    if (!check_common("conv2d", x, w, p, &g)) return NULL;
    char s1[96], s2[96];
    if (p.output_padding)
        return nb_error_set("conv2d: output_padding %d applies to conv_transpose2d only", p.output_padding);
    g.c = x->shape[1], g.o = w->shape[0], g.h_in = x->shape[2], g.w_in = x->shape[3];
    if (!groups_divide("conv2d", "input", g.c, x, &g) || !groups_divide("conv2d", "output", g.o, w, &g)) return NULL;
    if (w->shape[1] * g.groups != g.c)
        return nb_error_set("conv2d: weight %s does not fit input %s with groups %lld: want [%lld, %lld, kh, kw]",
                            nb_shape_str(w, s1), nb_shape_str(x, s2), (long long)g.groups, (long long)g.o,
                            (long long)(g.c / g.groups));
    g.h_out = conv_out_size(g.h_in, g.kh, g.pad_h, &g), g.w_out = conv_out_size(g.w_in, g.kw, g.pad_w, &g);
    if (!g.h_out || !g.w_out)
        return nb_error_set("conv2d: kernel %lldx%lld with dilation %lld is larger than the padded input "
                            "(%s with padding %lld)",
                            (long long)g.kh, (long long)g.kw, (long long)g.dil, nb_shape_str(x, s1),
                            (long long)g.pad_h);
    if (!check_bias("conv2d", b, g.o)) return NULL;
    return add_bias(conv_op(x, w, g), b);
}

/* The adjoint of conv2d in its input: x [N, Cin, H, W] plays the output
 * gradient of a convolution with weight [Cin, Cout/groups, kh, kw] from
 * [N, Cout, Hout, Wout], Hout = (H-1) stride - 2 padding + dilation (kh-1) +
 * output_padding + 1. */
nb_tensor *nb_conv_transpose2d(nb_tensor *x, nb_tensor *w, nb_tensor *b, nb_conv_params p) {
    NB_NULL_GUARD(x, w);
    nb_conv_geom g = {0};
    if (!check_common("conv_transpose2d", x, w, p, &g)) return NULL;
    g.o = x->shape[1], g.h_out = x->shape[2], g.w_out = x->shape[3];
    char s1[96], s2[96];
    if (w->shape[0] != g.o)
        return nb_error_set("conv_transpose2d: weight %s does not fit input %s: want [%lld, out/groups, kh, kw]",
                            nb_shape_str(w, s1), nb_shape_str(x, s2), (long long)g.o);
    if (!groups_divide("conv_transpose2d", "input", g.o, x, &g)) return NULL;
    if (g.out_pad >= g.stride && g.out_pad >= g.dil)
        return nb_error_set("conv_transpose2d: output_padding %lld must be smaller than stride %lld or dilation %lld",
                            (long long)g.out_pad, (long long)g.stride, (long long)g.dil);
    g.c = w->shape[1] * g.groups;
    g.h_in = (g.h_out - 1) * g.stride - 2 * g.pad_h + g.dil * (g.kh - 1) + g.out_pad + 1;
    g.w_in = (g.w_out - 1) * g.stride - 2 * g.pad_w + g.dil * (g.kw - 1) + g.out_pad + 1;
    if (g.h_out < 1 || g.w_out < 1 || g.h_in < 1 || g.w_in < 1)
        return nb_error_set("conv_transpose2d: input %s and weight %s with stride %lld, padding %lld give an "
                            "empty output %lldx%lld",
                            nb_shape_str(x, s1), nb_shape_str(w, s2), (long long)g.stride, (long long)g.pad_h,
                            (long long)g.h_in, (long long)g.w_in);
    if (!check_bias("conv_transpose2d", b, g.c)) return NULL;
    return add_bias(conv_transpose_op(x, w, g), b);
}
