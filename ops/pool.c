/* pool.c — resampling of [N,C,H,W] planes: nearest upsampling, average and max
 * pooling (k x k windows at stride st, no padding: OH = (H - k)/st + 1), and the
 * pixel-shuffle pair depth_to_space / space_to_depth.
 *
 * The linear ops sit on primitives that are each other's adjoints, so every
 * derivative order stays in this file:
 *   window_sum2d     y[i,j] = a sum_{u,v<k} x[i st + u, j st + v]
 *                    (avg_pool2d is a = 1/k^2)
 *   window_spread2d  y[r,s] = a sum of x[i,j] over the windows (i,j) that hold (r,s),
 *                    the transpose of window_sum2d (upsample_nearest2d is k = st = scale, a = 1)
 *   depth_to_space   y[n, c, h b + i, w b + j] = x[n, c b^2 + i b + j, h, w], a
 *                    permutation whose inverse and adjoint is space_to_depth
 * max_pool2d finds each window's argmax once (the first of ties) and is then a
 * gather at those constant indices; its VJP scatters g to them (max_unpool2d),
 * whose VJP is the gather again. Indices are positions in an H x W plane, held
 * in nb_real (exact up to 2^24 in float). */
#include <string.h>
#include "nb_internal.h"
#include "nb_ops.h"

/* One job shape for every kernel here: planes [p0, p1) of N*C, each mapping a
 * plane of `big` (h x w) to or from one of `small` (oh x ow). */
typedef struct {
    const nb_real *x, *idx;
    nb_real *y;
    int64_t h, w, oh, ow;
    int k, st;
    double a;
    bool to_space; /* shuffle direction */
} plane_job;

static int64_t planes_of(const nb_tensor *t) { return t->shape[0] * t->shape[1]; }
static int64_t grain_of(int64_t work) { return (1 << 15) / (work + 1) + 1; }

/* fn over the N*C planes of t, each costing about `work` */
static void run_planes(nb_range_fn fn, plane_job *j, const nb_tensor *t, int64_t work) {
    nb_parallel_for(planes_of(t), grain_of(work), fn, j);
}

static bool check_4d(const char *op, const nb_tensor *x) {
    if (x->ndim == 4) return true;
    char s[96];
    nb_error_set("%s: input %s must be [N,C,H,W]", op, nb_shape_str(x, s));
    return false;
}

static bool check_window(const char *op, const nb_tensor *x, int k, int st) {
    if (!check_4d(op, x)) return false;
    char s[96];
    if (k < 1 || st < 1) {
        nb_error_set("%s: kernel %d and stride %d must be >= 1", op, k, st);
        return false;
    }
    if (x->shape[2] < k || x->shape[3] < k) {
        nb_error_set("%s: kernel %d does not fit input %s", op, k, nb_shape_str(x, s));
        return false;
    }
    return true;
}

/* ---- window_sum2d and window_spread2d ------------------------------------- */

static void window_sum_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    for (int64_t q = p0; q < p1; q++) {
        const nb_real *x = j->x + q * j->h * j->w;
        nb_real *y = j->y + q * j->oh * j->ow;
        for (int64_t i = 0; i < j->oh; i++)
            for (int64_t jj = 0; jj < j->ow; jj++) {
                const nb_real *win = x + i * j->st * j->w + jj * j->st;
                double acc = 0;
                for (int u = 0; u < j->k; u++)
                    for (int v = 0; v < j->k; v++) acc += win[u * j->w + v];
                y[i * j->ow + jj] = (nb_real)(j->a * acc);
            }
    }
}

/* The same loop nest as window_sum_planes with the roles swapped: each x
 * value is added to its window of y. One thread per plane keeps the order of
 * the sums fixed; with k = st (upsampling) every y value is written once. */
static void window_spread_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    for (int64_t q = p0; q < p1; q++) {
        const nb_real *x = j->x + q * j->oh * j->ow;
        nb_real *y = j->y + q * j->h * j->w;
        memset(y, 0, (size_t)(j->h * j->w) * sizeof(nb_real));
        for (int64_t i = 0; i < j->oh; i++)
            for (int64_t jj = 0; jj < j->ow; jj++) {
                nb_real *win = y + i * j->st * j->w + jj * j->st;
                nb_real v = (nb_real)(j->a * x[i * j->ow + jj]);
                for (int u = 0; u < j->k; u++)
                    for (int c = 0; c < j->k; c++) win[u * j->w + c] += v;
            }
    }
}

/* x [N,C,H,W] -> [N,C,(H-k)/st+1,(W-k)/st+1]; x already checked */
static nb_tensor *window_sum2d(nb_tensor *x, int k, int st, double a) {
    NB_NULL_GUARD(x);
    plane_job j = {.x = x->data, .h = x->shape[2], .w = x->shape[3], .k = k, .st = st, .a = a};
    j.oh = (j.h - k) / st + 1, j.ow = (j.w - k) / st + 1;
    nb_tensor *y = nb_result(NB_OP_WINDOW_SUM2D, 1, &x, NB_SHAPE(x->shape[0], x->shape[1], j.oh, j.ow));
    if (!y) return NULL;
    j.y = y->data;
    run_planes(window_sum_planes, &j, x, j.oh * j.ow * k * k);
    nb_node *n = nb_args(y);
    n->iargs[0] = k, n->iargs[1] = st, n->rargs[0] = a;
    return y;
}

/* x [N,C,OH,OW] -> [N,C,h,w], the transpose of window_sum2d from h x w */
static nb_tensor *window_spread2d(nb_tensor *x, int k, int st, double a, int64_t h, int64_t w) {
    NB_NULL_GUARD(x);
    plane_job j = {.x = x->data, .h = h, .w = w, .oh = x->shape[2], .ow = x->shape[3],
                   .k = k, .st = st, .a = a};
    nb_tensor *y = nb_result(NB_OP_WINDOW_SPREAD2D, 1, &x, NB_SHAPE(x->shape[0], x->shape[1], h, w));
    if (!y) return NULL;
    j.y = y->data;
    run_planes(window_spread_planes, &j, x, h * w + j.oh * j.ow * k * k);
    nb_node *n = nb_args(y);
    n->iargs[0] = k, n->iargs[1] = st, n->rargs[0] = a;
    return y;
}

void nb_bw_window_sum2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    nb_tensor *x = n->inputs[0];
    gin[0] = window_spread2d(g, (int)n->iargs[0], (int)n->iargs[1], n->rargs[0], x->shape[2], x->shape[3]);
}

void nb_bw_window_spread2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = window_sum2d(g, (int)n->iargs[0], (int)n->iargs[1], n->rargs[0]);
}

nb_tensor *nb_avg_pool2d(nb_tensor *x, int kernel, int stride) {
    NB_NULL_GUARD(x);
    if (!check_window("avg_pool2d", x, kernel, stride)) return NULL;
    return window_sum2d(x, kernel, stride, 1.0 / ((double)kernel * kernel));
}

nb_tensor *nb_upsample_nearest2d(nb_tensor *x, int scale) {
    NB_NULL_GUARD(x);
    if (!check_4d("upsample_nearest2d", x)) return NULL;
    if (scale < 1) return nb_error_set("upsample_nearest2d: scale %d must be >= 1", scale);
    return window_spread2d(x, scale, scale, 1, x->shape[2] * scale, x->shape[3] * scale);
}

/* ---- max_pool2d: argmax, gather and scatter ------------------------------- */

static void argmax_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    nb_real *idx = j->y;
    for (int64_t q = p0; q < p1; q++) {
        const nb_real *x = j->x + q * j->h * j->w;
        for (int64_t i = 0; i < j->oh; i++)
            for (int64_t c = 0; c < j->ow; c++) {
                int64_t best = i * j->st * j->w + c * j->st;
                for (int u = 0; u < j->k; u++)
                    for (int v = 0; v < j->k; v++) {
                        int64_t at = (i * j->st + u) * j->w + c * j->st + v;
                        if (x[at] > x[best]) best = at;
                    }
                idx[(q * j->oh + i) * j->ow + c] = (nb_real)best;
            }
    }
}

/* gather: y[q, t] = x[q, idx[q, t]] (x planes h x w, y planes oh x ow) */
static void gather_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    int64_t big = j->h * j->w, small = j->oh * j->ow;
    for (int64_t q = p0; q < p1; q++)
        for (int64_t t = q * small; t < (q + 1) * small; t++) j->y[t] = j->x[q * big + (int64_t)j->idx[t]];
}

/* scatter: y[q, idx[q, t]] += x[q, t], one thread per plane so sums are ordered */
static void scatter_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    int64_t big = j->h * j->w, small = j->oh * j->ow;
    for (int64_t q = p0; q < p1; q++) {
        memset(j->y + q * big, 0, (size_t)big * sizeof(nb_real));
        for (int64_t t = q * small; t < (q + 1) * small; t++) j->y[q * big + (int64_t)j->idx[t]] += j->x[t];
    }
}

/* x [N,C,h,w] at the plane indices idx [N,C,oh,ow]: a max_pool2d node */
static nb_tensor *gather_at(nb_tensor *x, nb_tensor *idx) {
    NB_NULL_GUARD(x, idx);
    nb_tensor *y = nb_result(NB_OP_MAX_POOL2D, 1, &x, idx->ndim, idx->shape);
    if (!y) return NULL;
    plane_job j = {.x = x->data, .idx = idx->data, .y = y->data, .h = x->shape[2], .w = x->shape[3],
                   .oh = idx->shape[2], .ow = idx->shape[3]};
    run_planes(gather_planes, &j, x, j.oh * j.ow);
    nb_args(y)->saved = idx;
    return y;
}

/* g [N,C,oh,ow] added at the plane indices idx into zeros [N,C,h,w]: max_unpool2d */
static nb_tensor *scatter_at(nb_tensor *g, nb_tensor *idx, int64_t h, int64_t w) {
    NB_NULL_GUARD(g, idx);
    nb_tensor *y = nb_result(NB_OP_MAX_UNPOOL2D, 1, &g, NB_SHAPE(g->shape[0], g->shape[1], h, w));
    if (!y) return NULL;
    plane_job j = {.x = g->data, .idx = idx->data, .y = y->data, .h = h, .w = w,
                   .oh = g->shape[2], .ow = g->shape[3]};
    run_planes(scatter_planes, &j, g, h * w);
    nb_args(y)->saved = idx;
    return y;
}

void nb_bw_max_pool2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = scatter_at(g, n->saved, n->inputs[0]->shape[2], n->inputs[0]->shape[3]);
}

void nb_bw_max_unpool2d(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = gather_at(g, n->saved);
}

nb_tensor *nb_max_pool2d(nb_tensor *x, int kernel, int stride) {
    NB_NULL_GUARD(x);
    if (!check_window("max_pool2d", x, kernel, stride)) return NULL;
    plane_job j = {.x = x->data, .h = x->shape[2], .w = x->shape[3], .k = kernel, .st = stride};
    if ((double)j.h * (double)j.w > 16777216.0) {
        char s[96];
        return nb_error_set("max_pool2d: input %s has more than 2^24 pixels per plane", nb_shape_str(x, s));
    }
    j.oh = (j.h - kernel) / stride + 1, j.ow = (j.w - kernel) / stride + 1;
    nb_tensor *idx = nb_tensor_new(NB_SHAPE(x->shape[0], x->shape[1], j.oh, j.ow));
    if (!idx) return NULL;
    j.y = idx->data;
    run_planes(argmax_planes, &j, x, j.oh * j.ow * kernel * kernel);
    return gather_at(x, idx);
}

/* ---- depth_to_space and space_to_depth ------------------------------------ */

/* Planes q = (n, c) of the space tensor [N, C, h b, w b]; the depth tensor is
 * [N, C b^2, h, w]. Space pixel (hh b + i, ww b + j) is depth pixel (hh, ww) of
 * channel i b + j of the group; to_space copies depth -> space, else back. */
static void shuffle_planes(int64_t p0, int64_t p1, void *p) {
    const plane_job *j = p;
    int64_t b = j->k, h = j->h, w = j->w, plane = h * w * b * b;
    for (int64_t q = p0; q < p1; q++) {
        const nb_real *src = j->x + q * plane;
        nb_real *dst = j->y + q * plane;
        int64_t space = 0; /* runs over the space plane in order */
        for (int64_t hh = 0; hh < h; hh++)
            for (int64_t i = 0; i < b; i++)
                for (int64_t ww = 0; ww < w; ww++)
                    for (int64_t jj = 0; jj < b; jj++, space++) {
                        int64_t depth = ((i * b + jj) * h + hh) * w + ww;
                        if (j->to_space) dst[space] = src[depth];
                        else dst[depth] = src[space];
                    }
    }
}

/* x already checked: depth [N, C b^2, H, W] -> space, or space -> depth */
static nb_tensor *shuffle(nb_tensor *x, int b, bool to_space) {
    NB_NULL_GUARD(x);
    int64_t n = x->shape[0], c = x->shape[1], h = x->shape[2], w = x->shape[3], bb = (int64_t)b * b;
    int64_t shape[4] = {n, to_space ? c / bb : c * bb, to_space ? h * b : h / b, to_space ? w * b : w / b};
    nb_tensor *y = nb_result(to_space ? NB_OP_DEPTH_TO_SPACE : NB_OP_SPACE_TO_DEPTH, 1, &x, 4, shape);
    if (!y) return NULL;
    const nb_tensor *space = to_space ? y : x;
    plane_job j = {.x = x->data, .y = y->data, .h = space->shape[2] / b, .w = space->shape[3] / b,
                   .k = b, .to_space = to_space};
    run_planes(shuffle_planes, &j, space, space->shape[2] * space->shape[3]);
    nb_args(y)->iargs[0] = b;
    return y;
}

void nb_bw_depth_to_space(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = shuffle(g, (int)n->iargs[0], false);
}

void nb_bw_space_to_depth(nb_node *n, nb_tensor *g, nb_tensor **gin, const bool *need) {
    (void)need;
    gin[0] = shuffle(g, (int)n->iargs[0], true);
}

nb_tensor *nb_depth_to_space(nb_tensor *x, int block) {
    NB_NULL_GUARD(x);
    if (!check_4d("depth_to_space", x)) return NULL;
    if (block < 1) return nb_error_set("depth_to_space: block %d must be >= 1", block);
    char s[96];
    if (x->shape[1] % ((int64_t)block * block) != 0)
        return nb_error_set("depth_to_space: input %s has %lld channels, not a multiple of %d (block %d)",
                            nb_shape_str(x, s), (long long)x->shape[1], block * block, block);
    return shuffle(x, block, true);
}

nb_tensor *nb_space_to_depth(nb_tensor *x, int block) {
    NB_NULL_GUARD(x);
    if (!check_4d("space_to_depth", x)) return NULL;
    if (block < 1) return nb_error_set("space_to_depth: block %d must be >= 1", block);
    char s[96];
    if (x->shape[2] % block != 0 || x->shape[3] % block != 0)
        return nb_error_set("space_to_depth: input %s: height and width must be multiples of block %d",
                            nb_shape_str(x, s), block);
    return shuffle(x, block, false);
}
