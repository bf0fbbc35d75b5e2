/* conv_kernels.c — convolution as GEMM (see conv_kernels.h for the geometry).
 *
 * For a chunk of m samples, im2col lays the receptive fields out as columns:
 *   col[(c, a, b), (s, i, j)] = x[s, c, i*stride - pad + a*dil, j*stride - pad + b*dil]
 * a matrix [c*kh*kw, m*h_out*w_out] whose rows of one group are contiguous.
 * Then, per group, with W the weight viewed as [o, c/groups*kh*kw] and Y the
 * output viewed as [o, m*h_out*w_out]:
 *   forward       Y   = W col
 *   input grad    col = W^T GY,  then col2im adds each column back onto x
 *   weight grad   W  += GY col^T
 * one GEMM each, with the m samples side by side so that small images still make
 * a wide product. Y and GY are [n, o, ...] in memory, so the chunk is moved to
 * and from [o, m, ...] by a row copy (m = 1 needs none). A 1x1 kernel of stride
 * 1 without padding needs no im2col: x itself is the column matrix of a sample.
 * m is the largest sample count whose columns fit COL_BUDGET, which bounds the
 * scratch memory; the chunks depend only on the shapes, so results do not
 * depend on the thread count. */
#include <string.h>
#include "conv_kernels.h"

#define COL_BUDGET ((int64_t)1 << 21) /* elements of the column buffer */
#define DIRECT_MIN_HW 256             /* below this, batching beats skipping im2col */

/* Output positions k in [0, out) whose input k*stride + off lies in [0, in). */
static void valid_span(int64_t off, int64_t stride, int64_t in, int64_t out, int64_t *lo, int64_t *hi) {
    int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t b = in - 1 - off >= 0 ? (in - 1 - off) / stride + 1 : 0;
    if (b > out) b = out;
    if (a > b) a = b;
    *lo = a, *hi = b;
}

typedef struct {
    const nb_conv_geom *g;
    int64_t m;     /* samples in the chunk */
    int64_t hw;    /* h_out * w_out */
    const nb_real *src;
    nb_real *dst;
    int64_t rows, inner; /* of the row copy: src [rows, dst rows / rows, inner] */
} job;

/* Items (r, s) of im2col: row r = (c, a, b) of the columns, sample s. */
static void im2col_items(int64_t i0, int64_t i1, void *p) {
    const job *j = p;
    const nb_conv_geom *g = j->g;
    for (int64_t it = i0; it < i1; it++) {
        int64_t r = it / j->m, s = it % j->m;
        int64_t c = r / (g->kh * g->kw), a = r / g->kw % g->kh, b = r % g->kw;
        const nb_real *x = j->src + (s * g->c + c) * g->h_in * g->w_in;
        nb_real *d = j->dst + (r * j->m + s) * j->hw;
        int64_t i_lo, i_hi, j_lo, j_hi, off = b * g->dil - g->pad;
        valid_span(a * g->dil - g->pad, g->stride, g->h_in, g->h_out, &i_lo, &i_hi);
        valid_span(off, g->stride, g->w_in, g->w_out, &j_lo, &j_hi);
        memset(d, 0, (size_t)(i_lo * g->w_out) * sizeof *d);
        for (int64_t i = i_lo; i < i_hi; i++) {
            nb_real *row = d + i * g->w_out;
            const nb_real *in = x + (i * g->stride + a * g->dil - g->pad) * g->w_in;
            for (int64_t k = 0; k < j_lo; k++) row[k] = 0;
            if (g->stride == 1)
                memcpy(row + j_lo, in + j_lo + off, (size_t)(j_hi - j_lo) * sizeof *row);
            else
                for (int64_t k = j_lo; k < j_hi; k++) row[k] = in[k * g->stride + off];
            for (int64_t k = j_hi; k < g->w_out; k++) row[k] = 0;
        }
        memset(d + i_hi * g->w_out, 0, (size_t)((g->h_out - i_hi) * g->w_out) * sizeof *d);
    }
}

/* Items (s, c) of col2im: plane c of sample s sums its kh*kw column rows, in a
 * fixed order. */
static void col2im_items(int64_t i0, int64_t i1, void *p) {
    const job *j = p;
    const nb_conv_geom *g = j->g;
    for (int64_t it = i0; it < i1; it++) {
        int64_t s = it / g->c, c = it % g->c;
        nb_real *x = j->dst + it * g->h_in * g->w_in;
        memset(x, 0, (size_t)(g->h_in * g->w_in) * sizeof *x);
        for (int64_t a = 0; a < g->kh; a++)
            for (int64_t b = 0; b < g->kw; b++) {
                int64_t r = (c * g->kh + a) * g->kw + b, off = b * g->dil - g->pad;
                const nb_real *col = j->src + (r * j->m + s) * j->hw;
                int64_t i_lo, i_hi, j_lo, j_hi;
                valid_span(a * g->dil - g->pad, g->stride, g->h_in, g->h_out, &i_lo, &i_hi);
                valid_span(off, g->stride, g->w_in, g->w_out, &j_lo, &j_hi);
                for (int64_t i = i_lo; i < i_hi; i++) {
                    nb_real *out = x + (i * g->stride + a * g->dil - g->pad) * g->w_in;
                    const nb_real *row = col + i * g->w_out;
                    for (int64_t k = j_lo; k < j_hi; k++) out[k * g->stride + off] += row[k];
                }
            }
    }
}

/* dst [B, A, inner] = src [A, B, inner] with A = rows: moves a chunk between
 * the [n, o, ...] layout of tensors and the [o, n, ...] layout of the GEMMs. */
static void swap_items(int64_t i0, int64_t i1, void *p) {
    const job *j = p;
    int64_t a_count = j->rows, b_count = j->m;
    for (int64_t q = i0; q < i1; q++) {
        int64_t b = q / a_count, a = q % a_count;
        memcpy(j->dst + q * j->inner, j->src + (a * b_count + b) * j->inner, (size_t)j->inner * sizeof(nb_real));
    }
}

static int64_t grain_for(int64_t item_size) { return 1 + ((int64_t)1 << 14) / (item_size + 1); }

static void im2col(const nb_conv_geom *g, int64_t m, const nb_real *x, nb_real *col) {
    job j = {.g = g, .m = m, .hw = g->h_out * g->w_out, .src = x, .dst = col};
    nb_parallel_for(g->c * g->kh * g->kw * m, grain_for(j.hw), im2col_items, &j);
}

static void col2im(const nb_conv_geom *g, int64_t m, const nb_real *col, nb_real *x) {
    job j = {.g = g, .m = m, .hw = g->h_out * g->w_out, .src = col, .dst = x};
    nb_parallel_for(m * g->c, grain_for(g->kh * g->kw * j.hw), col2im_items, &j);
}

/* src [a, b, inner] -> dst [b, a, inner] */
static void swap_outer(const nb_real *src, nb_real *dst, int64_t a, int64_t b, int64_t inner) {
    job j = {.m = b, .src = src, .dst = dst, .rows = a, .inner = inner};
    nb_parallel_for(a * b, grain_for(inner), swap_items, &j);
}

/* ---- the three products ----------------------------------------------------- */

typedef struct {
    int64_t hw, x_step, y_step; /* per sample: output pixels, x and y elements */
    int64_t og, kg;             /* per group: output channels, column rows */
    int64_t chunk;              /* samples per GEMM */
    bool direct;                /* no im2col: x is the column matrix */
    nb_real *col, *tmp;         /* scratch: columns, and y in [o, chunk, hw] */
} plan;

static bool make_plan(plan *p, const nb_conv_geom *g) {
    p->hw = g->h_out * g->w_out;
    p->x_step = g->c * g->h_in * g->w_in;
    p->y_step = g->o * p->hw;
    p->og = g->o / g->groups;
    p->kg = g->c / g->groups * g->kh * g->kw;
    p->direct = g->kh == 1 && g->kw == 1 && g->stride == 1 && g->pad == 0 && g->h_in == g->h_out &&
                g->w_in == g->w_out && p->hw >= DIRECT_MIN_HW;
    int64_t per_sample = g->c * g->kh * g->kw * p->hw;
    p->chunk = p->direct ? 1 : COL_BUDGET / (per_sample ? per_sample : 1);
    if (p->chunk > g->n) p->chunk = g->n;
    if (p->chunk < 1) p->chunk = 1;
    p->col = p->tmp = NULL;
    if (!p->direct) {
        p->col = nb_arena_alloc(NULL, (size_t)(per_sample * p->chunk) * sizeof(nb_real));
        if (!p->col) return false;
    }
    if (p->chunk > 1) {
        p->tmp = nb_arena_alloc(NULL, (size_t)(p->y_step * p->chunk) * sizeof(nb_real));
        if (!p->tmp) return false;
    }
    return true;
}

/* The chunk's columns: x itself, or im2col of it. */
static const nb_real *columns(const nb_conv_geom *g, const plan *p, int64_t m, const nb_real *x) {
    if (p->direct) return x;
    im2col(g, m, x, p->col);
    return p->col;
}

/* The chunk's output gradient in [o, m*hw] layout. */
static const nb_real *gathered(const nb_conv_geom *g, const plan *p, int64_t m, const nb_real *gy) {
    if (m == 1) return gy;
    swap_outer(gy, p->tmp, m, g->o, p->hw);
    return p->tmp;
}

/* The GEMM of group k of one chunk of cols = m*hw columns, out of:
 *   conv2d            y_k  [og, cols] = w_k [og, kg]    col_k [kg, cols]
 *   conv_transpose2d  col_k[kg, cols] = w_k^T [kg, og]  gy_k  [og, cols]
 *   conv2d_weight     w_k  [og, kg]  += gy_k [og, cols] col_k^T [cols, kg] */
static void group_gemm(nb_op_id op, const plan *p, int64_t k, int64_t cols, const nb_real *w, const nb_real *col,
                       const nb_real *gy, nb_real *out, bool accumulate) {
    const nb_real *wk = w + k * p->og * p->kg, *ck = col + k * p->kg * cols, *gk = gy + k * p->og * cols;
    if (op == NB_OP_CONV2D)
        nb_gemm(false, false, p->og, cols, p->kg, 1, wk, p->kg, ck, cols, 0, out + k * p->og * cols, cols);
    else if (op == NB_OP_CONV_TRANSPOSE2D)
        nb_gemm(true, false, p->kg, cols, p->og, 1, wk, p->kg, gk, cols, 0, out + k * p->kg * cols, cols);
    else
        nb_gemm(false, true, p->og, p->kg, cols, 1, gk, cols, ck, cols, accumulate, out + k * p->og * p->kg, p->kg);
}

bool nb_conv_kernel(nb_op_id op, const nb_conv_geom *g, const nb_real *a, const nb_real *b, nb_real *out) {
    plan p;
    if (!make_plan(&p, g)) return false;
    const nb_real *x = op == NB_OP_CONV_TRANSPOSE2D ? NULL : a;
    const nb_real *w = op == NB_OP_CONV2D_WEIGHT ? NULL : b;
    const nb_real *gy = op == NB_OP_CONV2D ? NULL : op == NB_OP_CONV2D_WEIGHT ? b : a;
    if (op == NB_OP_CONV2D_WEIGHT && g->n == 0) memset(out, 0, (size_t)(g->o * p.kg) * sizeof *out);
    for (int64_t n0 = 0; n0 < g->n; n0 += p.chunk) {
        int64_t m = g->n - n0 < p.chunk ? g->n - n0 : p.chunk, cols = m * p.hw;
        const nb_real *col = x ? columns(g, &p, m, x + n0 * p.x_step) : NULL;
        const nb_real *grad = gy ? gathered(g, &p, m, gy + n0 * p.y_step) : NULL;
        nb_real *dst = op == NB_OP_CONV2D_WEIGHT       ? out
                       : op == NB_OP_CONV2D            ? (m > 1 ? p.tmp : out + n0 * p.y_step)
                       : p.direct                      ? out + n0 * p.x_step
                                                       : p.col;
        for (int64_t k = 0; k < g->groups; k++) group_gemm(op, &p, k, cols, w, col, grad, dst, n0 > 0);
        if (op == NB_OP_CONV2D && m > 1) swap_outer(p.tmp, out + n0 * p.y_step, g->o, m, p.hw);
        if (op == NB_OP_CONV_TRANSPOSE2D && !p.direct) col2im(g, m, p.col, out + n0 * p.x_step);
    }
    return true;
}
