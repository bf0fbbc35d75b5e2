/* nb_ops.h — nabla's differentiable ops. Each returns a new tensor (or a view)
 * in the current arena and records a tape node when grad mode is on and an input
 * requires grad. A NULL input gives NULL; a bad shape records an error naming
 * the op and the shapes, and gives NULL. Composite ops (linear, losses, norms,
 * batch_norm under create_graph) are built from the primitives listed in
 * ops/ops.def, so every op can be differentiated any number of times. */
#ifndef NB_OPS_H
#define NB_OPS_H

#include "nb_core.h"

/* ---- elementwise, NumPy broadcasting ------------------------------------- */
nb_tensor *nb_add(nb_tensor *a, nb_tensor *b);
nb_tensor *nb_sub(nb_tensor *a, nb_tensor *b);
nb_tensor *nb_mul(nb_tensor *a, nb_tensor *b);
nb_tensor *nb_div(nb_tensor *a, nb_tensor *b);
nb_tensor *nb_neg(nb_tensor *x);
nb_tensor *nb_scale(nb_tensor *x, double c);      /* c x */
nb_tensor *nb_add_scalar(nb_tensor *x, double c); /* x + c */
nb_tensor *nb_exp(nb_tensor *x);
nb_tensor *nb_log(nb_tensor *x);
nb_tensor *nb_sqrt(nb_tensor *x);
nb_tensor *nb_rsqrt(nb_tensor *x);
nb_tensor *nb_pow(nb_tensor *x, double p); /* x^p */
nb_tensor *nb_abs(nb_tensor *x);
nb_tensor *nb_square(nb_tensor *x);
nb_tensor *nb_relu(nb_tensor *x);
nb_tensor *nb_leaky_relu(nb_tensor *x, double slope);
nb_tensor *nb_tanh(nb_tensor *x);
nb_tensor *nb_sigmoid(nb_tensor *x);
/* Constant (not differentiable) helpers: step(x > 0) and sign(x). */
nb_tensor *nb_positive_mask(nb_tensor *x, double below);
nb_tensor *nb_sign(nb_tensor *x);

/* ---- reductions and broadcasting ----------------------------------------- */
nb_tensor *nb_sum(nb_tensor *x);  /* all elements, 0-dim result */
nb_tensor *nb_mean(nb_tensor *x); /* all elements */
/* Over the n dims listed (negative counts from the end). */
nb_tensor *nb_sum_dims(nb_tensor *x, int n, const int *dims, bool keepdim);
nb_tensor *nb_mean_dims(nb_tensor *x, int n, const int *dims, bool keepdim);
nb_tensor *nb_expand(nb_tensor *x, int ndim, const int64_t *shape); /* broadcast_to */
nb_tensor *nb_sum_to(nb_tensor *x, int ndim, const int64_t *shape); /* inverse of expand */

/* ---- shape ---------------------------------------------------------------- */
nb_tensor *nb_reshape(nb_tensor *x, int ndim, const int64_t *shape); /* one -1 allowed; a view */
nb_tensor *nb_flatten(nb_tensor *x); /* [N, ...] -> [N, rest], a view */
nb_tensor *nb_slice(nb_tensor *x, int dim, int64_t start, int64_t end); /* view along dim 0 */
nb_tensor *nb_pad_slice(nb_tensor *x, int dim, int64_t start, int64_t full); /* adjoint of slice */
nb_tensor *nb_concat(int n, nb_tensor *const *xs, int dim);
nb_tensor *nb_transpose(nb_tensor *x); /* 2-D */

/* ---- linear algebra -------------------------------------------------------- */
/* op(a) op(b) for 2-D a, b; ta/tb transpose. */
nb_tensor *nb_matmul_t(nb_tensor *a, nb_tensor *b, bool ta, bool tb);
nb_tensor *nb_matmul(nb_tensor *a, nb_tensor *b);
nb_tensor *nb_linear(nb_tensor *x, nb_tensor *w, nb_tensor *b); /* x w^T + b; b may be NULL */

/* ---- losses and norms ------------------------------------------------------ */
nb_tensor *nb_mse_loss(nb_tensor *a, nb_tensor *b); /* mean((a-b)^2) */
nb_tensor *nb_l1_loss(nb_tensor *a, nb_tensor *b);  /* mean(|a-b|) */
nb_tensor *nb_norm_per_sample(nb_tensor *x);        /* [N,...] -> [N]: sqrt(sum x^2) */

/* ---- convolution ---------------------------------------------------------- */
/* PyTorch's shape rules and weight layouts: conv2d w [out, in/groups, kh, kw],
 * conv_transpose2d w [in, out/groups, kh, kw]. Zero fields take the defaults
 * stride 1, dilation 1, groups 1; padding and output_padding default to 0. */
typedef struct {
    int stride, padding, dilation, groups, output_padding;
} nb_conv_params;
nb_tensor *nb_conv2d(nb_tensor *x, nb_tensor *w, nb_tensor *b, nb_conv_params p);
nb_tensor *nb_conv_transpose2d(nb_tensor *x, nb_tensor *w, nb_tensor *b, nb_conv_params p);

/* ---- normalization, dropout, pooling, resampling ---------------------------- */
/* x [N,C] or [N,C,H,W]; training: batch statistics (biased variance), running
 * stats updated in place with momentum (unbiased variance); eval: running stats.
 * weight/bias [C] may be NULL. */
nb_tensor *nb_batch_norm(nb_tensor *x, nb_tensor *weight, nb_tensor *bias, nb_tensor *running_mean,
                         nb_tensor *running_var, bool training, double momentum, double eps);
/* normalizes over the last n_dims dims; weight/bias of that trailing shape, may be NULL */
nb_tensor *nb_layer_norm(nb_tensor *x, int n_dims, nb_tensor *weight, nb_tensor *bias, double eps);
nb_tensor *nb_dropout(nb_tensor *x, double p, bool training);
nb_tensor *nb_dropout2d(nb_tensor *x, double p, bool training); /* whole channels of [N,C,H,W] */
nb_tensor *nb_upsample_nearest2d(nb_tensor *x, int scale);
nb_tensor *nb_avg_pool2d(nb_tensor *x, int kernel, int stride);
nb_tensor *nb_max_pool2d(nb_tensor *x, int kernel, int stride);
nb_tensor *nb_depth_to_space(nb_tensor *x, int block); /* [N,C*b*b,H,W] -> [N,C,H*b,W*b] */
nb_tensor *nb_space_to_depth(nb_tensor *x, int block); /* the inverse */

#endif
