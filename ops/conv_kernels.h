/* conv_kernels.h — the geometry of a 2-D convolution and the three GEMM kernels
 * that ops/conv.c wraps as ops (private to ops/). */
#ifndef NB_CONV_KERNELS_H
#define NB_CONV_KERNELS_H

#include "nb_internal.h"

/* A convolution from x [n, c, h_in, w_in] to y [n, o, h_out, w_out] with weight
 * [o, c/groups, kh, kw]: y[n,o,i,j] = sum over c in o's group, a < kh, b < kw of
 *   w[o,c,a,b] * x[n, c, i*stride - pad_h + a*dil, j*stride - pad_w + b*dil]
 * (terms outside x are zero). h_out and w_out are explicit rather than derived,
 * so a transposed convolution's output_padding is represented exactly. The
 * public ops pad both dims alike; a negative padding crops. */
typedef struct {
    int64_t n, c, h_in, w_in;
    int64_t o, h_out, w_out;
    int64_t kh, kw, stride, pad_h, pad_w, dil, groups;
    int64_t out_pad; /* of the transposed convolution whose output is x; 0 for conv2d */
} nb_conv_geom;

/* out = one of the three products of ops/conv.c, from its two operands (a, b):
 *   NB_OP_CONV2D            (x, w)  -> y = conv(x, w)
 *   NB_OP_CONV_TRANSPOSE2D  (gy, w) -> gx, the adjoint of conv in x applied to gy
 *   NB_OP_CONV2D_WEIGHT     (x, gy) -> gw, the adjoint of conv in w:
 *                                      gw[o,c,a,b] = sum over n,i,j of gy[n,o,i,j] x[n,c,..]
 * Returns false (error set) when scratch memory runs out. */
bool nb_conv_kernel(nb_op_id op, const nb_conv_geom *g, const nb_real *a, const nb_real *b, nb_real *out);

#endif
