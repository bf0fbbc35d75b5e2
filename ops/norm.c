/* norm.c — batch normalization (a fused primitive) and layer normalization (a
 * composite of primitives).
 *
 * batch_norm, per channel c over its M = N*H*W values (x seen as [N, C, S]):
 *   training: mu = mean(x), var = mean((x - mu)^2) (biased); when given, the
 *             running stats are updated in place with momentum m:
 *             r_mu = (1-m) r_mu + m mu,  r_var = (1-m) r_var + m var M/(M-1)
 *   eval:     mu, var = the running stats, so y is affine in x per channel
 *   xhat = (x - mu) rstd,  rstd = 1/sqrt(var + eps),  y = w xhat + b
 * Its VJP, with G = w g:
 *   training: dx = rstd (G - mean(G) - xhat mean(G xhat))   (mu and var depend on x)
 *   eval:     dx = rstd G
 *   dw = sum(g xhat),  db = sum(g)
 * First order (no create_graph) runs this as one fused kernel per channel; with
 * grad mode on it is built from public ops with xhat recomputed from x, so the
 * derivative of the VJP (double backward) is exact. */
#include <math.h>
#include "nb_internal.h"
#include "nb_ops.h"

/* x as [N, C, S], and the per-channel vectors an op reads or writes */
typedef struct {
    int64_t n, c, s;
    const nb_real *x, *g, *w, *b;
    nb_real *mean, *rstd;         /* rows of the node's saved [2, C] */
    nb_real *run_mean, *run_var;  /* updated in place when not NULL */
    nb_real *y, *dx, *dw, *db;    /* outputs; NULL when not wanted */
    double momentum, eps;
    bool training;
} bn_job;

/* a job on x seen as [N, C, S] */
static bn_job view_of(const nb_tensor *x) {
    return (bn_job){.n = x->shape[0], .c = x->shape[1], .s = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1,
                    .x = x->data};
}

/* offset of row (i, c), the S values of sample i in channel c */
static inline int64_t row_at(const bn_job *j, int64_t i, int64_t c) { return (i * j->c + c) * j->s; }

/* Batch statistics of channels [c0, c1). The sums are of x - x0 (x0 = the
 * channel's first value), which keeps var = E[d^2] - E[d]^2 accurate in one pass
 * even when |mean| >> std. */
static void channel_stats(int64_t c0, int64_t c1, void *p) {
    const bn_job *j = p;
    double m = (double)(j->n * j->s), mom = j->momentum;
    for (int64_t c = c0; c < c1; c++) {
        double x0 = j->x[row_at(j, 0, c)], s1 = 0, s2 = 0;
        for (int64_t i = 0; i < j->n; i++) {
            const nb_real *x = j->x + row_at(j, i, c);
            for (int64_t k = 0; k < j->s; k++) {
                double d = x[k] - x0;
                s1 += d, s2 += d * d;
            }
        }
        double mu = s1 / m, var = fmax(s2 / m - mu * mu, 0);
        j->mean[c] = (nb_real)(x0 + mu);
        j->rstd[c] = (nb_real)(1 / sqrt(var + j->eps));
        if (j->run_mean) j->run_mean[c] = (nb_real)((1 - mom) * j->run_mean[c] + mom * (x0 + mu));
        if (j->run_var) j->run_var[c] = (nb_real)((1 - mom) * j->run_var[c] + mom * var * m / (m - 1));
    }
}

/* y = x a + (b - mu a) with a = w rstd, over rows (n, c) of length S */
static void normalize_rows(int64_t r0, int64_t r1, void *p) {
    const bn_job *j = p;
    for (int64_t r = r0; r < r1; r++) {
        int64_t c = r % j->c;
        nb_real a = j->rstd[c] * (j->w ? j->w[c] : 1);
        nb_real shift = (j->b ? j->b[c] : 0) - j->mean[c] * a;
        const nb_real *x = j->x + r * j->s;
        nb_real *y = j->y + r * j->s;
        for (int64_t k = 0; k < j->s; k++) y[k] = x[k] * a + shift;
    }
}

static bool fits_channels(const char *what, const nb_tensor *t, const nb_tensor *x) {
    if (!t || (t->ndim == 1 && t->shape[0] == x->shape[1])) return true;
    char s1[96], s2[96];
    nb_error_set("batch_norm: %s %s does not match the %lld channels of input %s", what,
                 nb_shape_str(t, s1), (long long)x->shape[1], nb_shape_str(x, s2));
    return false;
}

static bool check_batch_norm(const nb_tensor *x, const nb_tensor *w, const nb_tensor *b,
                             const nb_tensor *rm, const nb_tensor *rv, bool training, double eps) {
    char s[96];
    if (x->ndim != 2 && x->ndim != 4) {
        nb_error_set("batch_norm: input %s must be [N,C] or [N,C,H,W]", nb_shape_str(x, s));
        return false;
    }
    if (!fits_channels("weight", w, x) || !fits_channels("bias", b, x) ||
        !fits_channels("running_mean", rm, x) || !fits_channels("running_var", rv, x))
        return false;
    if (!(eps >= 0)) {
        nb_error_set("batch_norm: eps %g must be >= 0", eps);
        return false;
    }
    if (!training && (!rm || !rv)) {
        nb_error_set("batch_norm: eval mode on %s needs running_mean and running_var", nb_shape_str(x, s));
        return false;
    }
    if (training && x->numel / (x->shape[1] ? x->shape[1] : 1) < 2) {
        nb_error_set("batch_norm: input %s has fewer than 2 values per channel to train on",
                     nb_shape_str(x, s));
        return false;
    }
    return true;
}

static int64_t grain_of(int64_t work) { return (1 << 15) / (work + 1) + 1; }

nb_tensor *nb_batch_norm(nb_tensor *x, nb_tensor *weight, nb_tensor *bias, nb_tensor *running_mean,
                         nb_tensor *running_var, bool training, double momentum, double eps) {
    NB_NULL_GUARD(x);
    if (!check_batch_norm(x, weight, bias, running_mean, running_var, training, eps)) return NULL;
    int64_t c = x->shape[1];
    nb_tensor *in[3] = {x}, *stats = nb_tensor_new(NB_SHAPE(2, c));
    int n_in = 1;
    if (weight) in[n_in++] = weight;
    if (bias) in[n_in++] = bias;
    nb_tensor *y = nb_result(NB_OP_BATCH_NORM, n_in, in, x->ndim, x->shape);
    if (!stats || !y) return NULL;
    bn_job j = view_of(x);
    j.w = weight ? weight->data : NULL, j.b = bias ? bias->data : NULL;
    j.mean = stats->data, j.rstd = stats->data + c, j.y = y->data;
    j.run_mean = running_mean ? running_mean->data : NULL;
    j.run_var = running_var ? running_var->data : NULL;
    j.momentum = momentum, j.eps = eps;
    if (training) {
        nb_parallel_for(c, grain_of(j.n * j.s), channel_stats, &j);
    } else {
        for (int64_t k = 0; k < c; k++) {
            j.mean[k] = j.run_mean[k];
            j.rstd[k] = (nb_real)(1 / sqrt((double)j.run_var[k] + eps));
        }
    }
    nb_parallel_for(j.n * c, grain_of(j.s), normalize_rows, &j);
    nb_node *a = nb_args(y);
    a->iargs[0] = training, a->iargs[1] = weight != NULL, a->iargs[2] = bias != NULL;
    a->rargs[0] = eps;
    a->saved = stats;
    return y;
}

/* ---- backward ---------------------------------------------------------------- */

/* First order, channels [c0, c1): sums of g and g xhat, then dx from them. */
static void channel_grads(int64_t c0, int64_t c1, void *p) {
    const bn_job *j = p;
    double m = (double)(j->n * j->s);
    for (int64_t c = c0; c < c1; c++) {
        double mu = j->mean[c], rstd = j->rstd[c], sg = 0, sgx = 0;
        for (int64_t i = 0; i < j->n; i++) {
            const nb_real *x = j->x + row_at(j, i, c), *g = j->g + row_at(j, i, c);
            for (int64_t k = 0; k < j->s; k++) sg += g[k], sgx += g[k] * (x[k] - mu) * rstd;
        }
        if (j->dw) j->dw[c] = (nb_real)sgx;
        if (j->db) j->db[c] = (nb_real)sg;
        if (!j->dx) continue;
        double k_dx = rstd * (j->w ? j->w[c] : 1);
        double mg = j->training ? sg / m : 0, mgx = j->training ? sgx / m : 0;
        for (int64_t i = 0; i < j->n; i++) {
            int64_t off = row_at(j, i, c);
            const nb_real *x = j->x + off, *g = j->g + off;
            for (int64_t k = 0; k < j->s; k++)
                j->dx[off + k] = (nb_real)(k_dx * (g[k] - mg - (x[k] - mu) * rstd * mgx));
        }
    }
}

static void bn_grad_fused(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need, int iw, int ib) {
    nb_tensor *x = n->inputs[0];
    int64_t c = x->shape[1];
    if (need[0]) gin[0] = nb_tensor_new(x->ndim, x->shape);
    if (iw >= 0 && need[iw]) gin[iw] = nb_tensor_new(NB_SHAPE(c));
    if (ib >= 0 && need[ib]) gin[ib] = nb_tensor_new(NB_SHAPE(c));
    bn_job j = view_of(x);
    j.g = g->data, j.w = iw >= 0 ? n->inputs[iw]->data : NULL;
    j.mean = n->saved->data, j.rstd = n->saved->data + c, j.training = n->iargs[0];
    j.dx = need[0] && gin[0] ? gin[0]->data : NULL;
    j.dw = iw >= 0 && need[iw] && gin[iw] ? gin[iw]->data : NULL;
    j.db = ib >= 0 && need[ib] && gin[ib] ? gin[ib]->data : NULL;
    nb_parallel_for(c, grain_of(j.n * j.s), channel_grads, &j);
}

/* The same formulas from public ops on [N, C, S] views, reducing over dims 0, 2. */
static void bn_grad_graph(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need, int iw, int ib) {
    nb_tensor *x = n->inputs[0];
    bn_job v = view_of(x);
    int64_t shape3[3] = {v.n, v.c, v.s}, chan[3] = {1, v.c, 1};
    int dims[2] = {0, 2};
    nb_tensor *x3 = nb_reshape(x, 3, shape3), *g3 = nb_reshape(g, 3, shape3), *xhat, *rstd;
    if (n->iargs[0]) {
        nb_tensor *xc = nb_sub(x3, nb_mean_dims(x3, 2, dims, true));
        rstd = nb_rsqrt(nb_add_scalar(nb_mean_dims(nb_square(xc), 2, dims, true), n->rargs[0]));
        xhat = nb_mul(xc, rstd);
    } else { /* running stats: constants */
        rstd = nb_reshape(nb_slice(n->saved, 0, 1, 2), 3, chan);
        xhat = nb_mul(nb_sub(x3, nb_reshape(nb_slice(n->saved, 0, 0, 1), 3, chan)), rstd);
    }
    if (iw >= 0 && need[iw]) gin[iw] = nb_sum_dims(nb_mul(g3, xhat), 2, dims, false);
    if (ib >= 0 && need[ib]) gin[ib] = nb_sum_dims(g3, 2, dims, false);
    if (!need[0]) return;
    nb_tensor *gw = iw >= 0 ? nb_mul(g3, nb_reshape(n->inputs[iw], 3, chan)) : g3;
    if (n->iargs[0])
        gw = nb_sub(nb_sub(gw, nb_mean_dims(gw, 2, dims, true)),
                    nb_mul(xhat, nb_mean_dims(nb_mul(gw, xhat), 2, dims, true)));
    gin[0] = nb_reshape(nb_mul(gw, rstd), x->ndim, x->shape);
}

void nb_bw_batch_norm(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    int iw = n->iargs[1] ? 1 : -1, ib = n->iargs[2] ? 1 + (iw > 0) : -1;
    if (nb_grad_enabled())
        bn_grad_graph(n, g, gin, need, iw, ib);
    else
        bn_grad_fused(n, g, gin, need, iw, ib);
}

/* ---- layer_norm ---------------------------------------------------------------- */

/* Over the last n_dims dims D: y = (x - mean_D x) / sqrt(var_D x + eps) w + b,
 * composed of primitives so every derivative order is exact. */
nb_tensor *nb_layer_norm(nb_tensor *x, int n_dims, nb_tensor *weight, nb_tensor *bias, double eps) {
    NB_NULL_GUARD(x);
    char s1[96], s2[96], s3[96];
    if (n_dims < 1 || n_dims > x->ndim)
        return nb_error_set("layer_norm: cannot normalize over the last %d dims of %s", n_dims,
                            nb_shape_str(x, s1));
    if (!(eps >= 0)) return nb_error_set("layer_norm: eps %g must be >= 0", eps);
    nb_tensor norm_shape = {.ndim = n_dims};
    int dims[NB_MAX_DIMS];
    for (int d = 0; d < n_dims; d++) {
        dims[d] = x->ndim - n_dims + d;
        norm_shape.shape[d] = x->shape[dims[d]];
    }
    nb_tensor *affine[2] = {weight, bias};
    for (int k = 0; k < 2; k++)
        if (affine[k] && !nb_same_shape(affine[k], &norm_shape))
            return nb_error_set("layer_norm: %s %s does not match the normalized shape %s of input %s",
                                k ? "bias" : "weight", nb_shape_str(affine[k], s1),
                                nb_shape_str(&norm_shape, s2), nb_shape_str(x, s3));
    nb_tensor *xc = nb_sub(x, nb_mean_dims(x, n_dims, dims, true));
    nb_tensor *var = nb_mean_dims(nb_square(xc), n_dims, dims, true);
    nb_tensor *y = nb_mul(xc, nb_rsqrt(nb_add_scalar(var, eps)));
    if (weight) y = nb_mul(y, weight);
    if (bias) y = nb_add(y, bias);
    return y;
}
