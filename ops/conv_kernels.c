/* conv_kernels.c — convolution as GEMM (see conv_kernels.h for the geometry).
 *
 * The work is cut into tiles: m whole samples, or a band of output rows of one
 * sample when its columns alone would exceed COL_BUDGET. For a tile, im2col
 * lays the receptive fields out as columns,
 *   col[(c, a, b), (s, i, j)] = x[s, c, i*stride - pad_h + a*dil, j*stride - pad_w + b*dil],
 * a matrix [c*kh*kw, cols] whose rows of one group are contiguous. Per group,
 * with W the weight as [o, c/groups*kh*kw] and Y the tile of y as [o, cols]:
 *   forward       Y   = W col
 *   input grad    col = W^T GY,  then col2im adds each column back onto x
 *   weight grad   W  += GY col^T
 * one GEMM each. Several samples side by side make a wide product of small
 * images; as tensors are [n, o, h, w], such a tile of Y or GY is copied from or
 * to [o, m, h, w]. A tile of one sample is used in place (leading dimension
 * h_out*w_out). Bands keep the column buffer, which the GEMM reads right after
 * im2col wrote it, within COL_BUDGET. A 1x1 kernel of stride 1 without padding
 * needs no im2col: x is its own column matrix. At stride 1 the input gradient
 * is a convolution itself (input_grad_as_conv), which needs no col2im.
 * The tiles depend only on the shapes, so results do not depend on the thread
 * count. */
#include <string.h>
#include "conv_kernels.h"

#define COL_BUDGET ((int64_t)1 << 21) /* elements of the column buffer */
#define DIRECT_MIN_HW 256             /* below this, batching beats skipping im2col */
#define WIDE_HW 1024                  /* from this, one sample makes a wide enough product */
#define GATHER_MAX_W 15               /* output rows up to this long are gathered by table */

/* Output positions k in [0, out) whose input k*stride + off lies in [0, in). */
static void valid_span(int64_t off, int64_t stride, int64_t in, int64_t out, int64_t *lo, int64_t *hi) {
    int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t b = in - 1 - off >= 0 ? (in - 1 - off) / stride + 1 : 0;
    if (b > out) b = out;
    if (a > b) a = b;
    *lo = a, *hi = b;
}

/* For each tap (a, b) and output pixel (i, j), the offset of its input pixel in
 * a plane of x, or -1 in the padding: [kh*kw, h_out*w_out]. */
static int32_t *offset_table(const nb_conv_geom *g) {
    int32_t *t = nb_arena_alloc(NULL, (size_t)(g->kh * g->kw * g->h_out * g->w_out) * sizeof *t);
    for (int64_t a = 0; t && a < g->kh; a++)
        for (int64_t b = 0; b < g->kw; b++)
            for (int64_t i = 0; i < g->h_out; i++)
                for (int64_t k = 0; k < g->w_out; k++) {
                    int64_t ih = i * g->stride - g->pad_h + a * g->dil, iw = k * g->stride - g->pad_w + b * g->dil;
                    bool in = ih >= 0 && ih < g->h_in && iw >= 0 && iw < g->w_in;
                    t[((a * g->kw + b) * g->h_out + i) * g->w_out + k] = in ? (int32_t)(ih * g->w_in + iw) : -1;
                }
    return t;
}

/* A tile: m samples from n0, output rows [i0, i0 + rows); cols = m*rows*w_out. */
typedef struct {
    int64_t n0, m, i0, rows, cols;
} tile;

typedef struct {
    const nb_conv_geom *g;
    const tile *t;
    const int32_t *where; /* offset_table */
    const nb_real *src;
    nb_real *dst;
} tile_job;

/* Items (r, s) of im2col, r = (c, tap) a row of the columns, s a sample; rows
 * of the output image copied by runs (long rows) or gathered by the table. */
static void im2col_items(int64_t i0, int64_t i1, void *p) {
    const tile_job *j = p;
    const nb_conv_geom *g = j->g;
    const tile *t = j->t;
    static const nb_real zero = 0;
    int64_t taps = g->kh * g->kw, hw = g->h_out * g->w_out, len = t->rows * g->w_out;
    for (int64_t it = i0; it < i1; it++) {
        int64_t r = it / t->m, s = it % t->m, tap = r % taps, a = tap / g->kw, b = tap % g->kw;
        const nb_real *x = j->src + (s * g->c + r / taps) * g->h_in * g->w_in;
        nb_real *d = j->dst + it * len;
        if (j->where) {
            const int32_t *where = j->where + tap * hw + t->i0 * g->w_out;
            for (int64_t q = 0; q < len; q++) d[q] = *(where[q] >= 0 ? x + where[q] : &zero); /* a select */
            continue;
        }
        int64_t i_lo, i_hi, j_lo, j_hi, off = b * g->dil - g->pad_w;
        valid_span(a * g->dil - g->pad_h, g->stride, g->h_in, g->h_out, &i_lo, &i_hi);
        valid_span(off, g->stride, g->w_in, g->w_out, &j_lo, &j_hi);
        for (int64_t i = t->i0; i < t->i0 + t->rows; i++, d += g->w_out) {
            if (i < i_lo || i >= i_hi) {
                memset(d, 0, (size_t)g->w_out * sizeof *d);
                continue;
            }
            const nb_real *in = x + (i * g->stride + a * g->dil - g->pad_h) * g->w_in; /* k*stride + off >= 0 */
            memset(d, 0, (size_t)j_lo * sizeof *d);
            if (g->stride == 1)
                memcpy(d + j_lo, in + j_lo + off, (size_t)(j_hi - j_lo) * sizeof *d);
            else
                for (int64_t k = j_lo; k < j_hi; k++) d[k] = in[k * g->stride + off];
            memset(d + j_hi, 0, (size_t)(g->w_out - j_hi) * sizeof *d);
        }
    }
}

/* Items (s, c) of col2im: plane c of sample s adds its kh*kw rows of the
 * columns, in a fixed order, starting from zero at the first band. */
static void col2im_items(int64_t i0, int64_t i1, void *p) {
    const tile_job *j = p;
    const nb_conv_geom *g = j->g;
    const tile *t = j->t;
    int64_t taps = g->kh * g->kw, hw = g->h_out * g->w_out, len = t->rows * g->w_out;
    for (int64_t it = i0; it < i1; it++) {
        int64_t s = it / g->c, c = it % g->c;
        nb_real *x = j->dst + it * g->h_in * g->w_in, sink = 0;
        if (t->i0 == 0) memset(x, 0, (size_t)(g->h_in * g->w_in) * sizeof *x);
        for (int64_t tap = 0; tap < taps; tap++) {
            const nb_real *col = j->src + ((c * taps + tap) * t->m + s) * len;
            const int32_t *where = j->where + tap * hw + t->i0 * g->w_out;
            for (int64_t q = 0; q < len; q++) *(where[q] >= 0 ? x + where[q] : &sink) += col[q];
        }
    }
}

/* Items per parallel chunk: about 64K elements, so that a small layer's copies
 * stay on one thread (a parallel region costs more than they do, and its idle
 * threads spin on the cores that OpenBLAS is about to use). */
static int64_t grain_for(int64_t item_size) { return 1 + ((int64_t)1 << 16) / (item_size + 1); }

static void im2col(const nb_conv_geom *g, const tile *t, const int32_t *where, const nb_real *x, nb_real *col) {
    tile_job j = {g, t, where, x, col};
    nb_parallel_for(g->c * g->kh * g->kw * t->m, grain_for(t->rows * g->w_out), im2col_items, &j);
}

static void col2im(const nb_conv_geom *g, const tile *t, const int32_t *where, const nb_real *col, nb_real *x) {
    tile_job j = {g, t, where, col, x};
    nb_parallel_for(t->m * g->c, grain_for(g->kh * g->kw * t->rows * g->w_out), col2im_items, &j);
}

/* dst [b, a, inner] = src [a, b, inner]: a tile of m samples between the
 * [n, o, ...] layout of tensors and the [o, n, ...] layout of the GEMMs. */
typedef struct {
    const nb_real *src;
    nb_real *dst;
    int64_t a, b, inner;
} swap_job;

static void swap_items(int64_t q0, int64_t q1, void *p) {
    const swap_job *j = p;
    for (int64_t q = q0; q < q1; q++)
        memcpy(j->dst + q * j->inner, j->src + (q % j->a * j->b + q / j->a) * j->inner,
               (size_t)j->inner * sizeof(nb_real));
}

static void swap_outer(const nb_real *src, nb_real *dst, int64_t a, int64_t b, int64_t inner) {
    swap_job j = {src, dst, a, b, inner};
    nb_parallel_for(a * b, grain_for(inner), swap_items, &j);
}

/* ---- the three products ----------------------------------------------------- */

typedef struct {
    int64_t hw, x_step, y_step; /* per sample: output pixels, x and y elements */
    int64_t og, kg;             /* per group: output channels, column rows */
    int64_t chunk, band;        /* a tile: up to chunk samples, up to band output rows */
    bool direct;                /* no im2col: x is the column matrix */
    nb_real *col, *tmp;         /* scratch: the columns; a tile of y in [o, m, ...] */
    int32_t *where;             /* offset_table, for gathering im2col and for col2im */
} plan;

static bool make_plan(plan *p, nb_op_id op, const nb_conv_geom *g) {
    p->hw = g->h_out * g->w_out;
    p->x_step = g->c * g->h_in * g->w_in;
    p->y_step = g->o * p->hw;
    p->og = g->o / g->groups;
    p->kg = g->c / g->groups * g->kh * g->kw;
    p->direct = g->kh == 1 && g->kw == 1 && g->stride == 1 && g->pad_h == 0 && g->pad_w == 0 &&
                g->h_in == g->h_out && g->w_in == g->w_out && p->hw >= DIRECT_MIN_HW;
    int64_t per_row = g->c * g->kh * g->kw * g->w_out, per_sample = per_row * g->h_out;
    p->chunk = 1, p->band = g->h_out;
    if (!p->direct && per_sample > COL_BUDGET)
        p->band = COL_BUDGET / per_row > 1 ? COL_BUDGET / per_row : 1;
    else if (!p->direct && p->hw < WIDE_HW)
        p->chunk = per_sample ? COL_BUDGET / per_sample : 1;
    if (p->chunk > g->n) p->chunk = g->n > 1 ? g->n : 1;
    p->col = p->tmp = NULL, p->where = NULL;
    if (g->h_in * g->w_in > INT32_MAX) { /* offset_table holds int32 offsets */
        nb_error_set("conv: image planes of %lldx%lld pixels are too large", (long long)g->h_in, (long long)g->w_in);
        return false;
    }
    if (!p->direct && !(p->col = nb_arena_alloc(NULL, (size_t)(per_row * p->band * p->chunk) * sizeof(nb_real))))
        return false;
    if (p->chunk > 1 && !(p->tmp = nb_arena_alloc(NULL, (size_t)(p->y_step * p->chunk) * sizeof(nb_real))))
        return false;
    if ((op == NB_OP_CONV_TRANSPOSE2D || (!p->direct && g->w_out <= GATHER_MAX_W)) && !(p->where = offset_table(g)))
        return false;
    return true;
}

/* The GEMMs of one tile, group by group (ld: leading dimensions):
 *   conv2d            Y_k  [og, cols] = W_k [og, kg]     col_k [kg, cols]
 *   conv_transpose2d  col_k [kg, cols] = W_k^T [kg, og]  GY_k [og, cols]
 *   conv2d_weight     W_k  [og, kg]  (+)= GY_k [og, cols] col_k^T [cols, kg] */
typedef struct {
    const nb_real *w, *col, *y;
    nb_real *out;
    int64_t ld_col, ld_y;
    bool accumulate;
} tile_gemm;

static void gemms(nb_op_id op, const plan *p, const nb_conv_geom *g, int64_t cols, const tile_gemm *a) {
    for (int64_t k = 0; k < g->groups; k++) {
        const nb_real *wk = a->w ? a->w + k * p->og * p->kg : NULL, *ck = a->col + k * p->kg * a->ld_col;
        const nb_real *yk = a->y ? a->y + k * p->og * a->ld_y : NULL;
        if (op == NB_OP_CONV2D)
            nb_gemm(false, false, p->og, cols, p->kg, 1, wk, p->kg, ck, a->ld_col, 0, a->out + k * p->og * a->ld_y,
                    a->ld_y);
        else if (op == NB_OP_CONV_TRANSPOSE2D)
            nb_gemm(true, false, p->kg, cols, p->og, 1, wk, p->kg, yk, a->ld_y, 0, a->out + k * p->kg * a->ld_col,
                    a->ld_col);
        else
            nb_gemm(false, true, p->og, p->kg, cols, 1, yk, a->ld_y, ck, a->ld_col, a->accumulate,
                    a->out + k * p->og * p->kg, p->kg);
    }
}

/* One tile of op: operands x (conv2d, conv2d_weight), w (conv2d,
 * conv_transpose2d), gy (conv_transpose2d, conv2d_weight), result out. */
static void run_tile(nb_op_id op, const nb_conv_geom *g, const plan *p, const tile *t, const nb_real *x,
                     const nb_real *w, const nb_real *gy, nb_real *out) {
    int64_t y_off = t->n0 * p->y_step + t->i0 * g->w_out;
    tile_gemm a = {.w = w, .col = p->col, .ld_col = t->cols, .ld_y = t->m > 1 ? t->cols : p->hw,
                   .accumulate = t->n0 > 0 || t->i0 > 0};
    if (p->direct) a.col = x + t->n0 * p->x_step, a.ld_col = p->hw;
    else if (x) im2col(g, t, p->where, x + t->n0 * p->x_step, p->col);
    if (gy && t->m > 1) swap_outer(gy + y_off, p->tmp, t->m, g->o, p->hw);
    a.y = gy ? (t->m > 1 ? p->tmp : gy + y_off) : NULL;
    a.out = op == NB_OP_CONV2D_WEIGHT ? out : op == NB_OP_CONV2D ? (t->m > 1 ? p->tmp : out + y_off) : p->col;
    gemms(op, p, g, t->cols, &a);
    if (op == NB_OP_CONV2D && t->m > 1) swap_outer(p->tmp, out + y_off, g->o, t->m, p->hw);
    if (op == NB_OP_CONV_TRANSPOSE2D) col2im(g, t, p->where, p->col, out + t->n0 * p->x_step);
}

/* At stride 1 the input gradient is itself a convolution: of gy with the
 * kernel flipped in space and transposed in channels,
 *   gx[n,c,i,j] = sum over o,a,b of w[o,c,a,b] gy[n, o, i + pad_h - a*dil, j + pad_w - b*dil]
 *              = conv(gy, w')[n,c,i,j],  w'[c,o,a,b] = w[o,c,kh-1-a,kw-1-b],
 * with padding dil*(k-1) - pad. Its columns have o*kh*kw rows instead of
 * c*kh*kw and need no col2im (a read-modify-write of x), so it is the faster
 * of the two ways, by far when o is small. */
static bool input_grad_as_conv(const nb_conv_geom *g, const nb_real *gy, const nb_real *w, nb_real *gx) {
    int64_t cg = g->c / g->groups, og = g->o / g->groups, taps = g->kh * g->kw;
    nb_real *wf = nb_arena_alloc(NULL, (size_t)(g->o * cg * taps) * sizeof *wf);
    if (!wf) return false;
    for (int64_t k = 0; k < g->groups; k++) /* w_k [og, cg, taps] -> w'_k [cg, og, taps reversed] */
        for (int64_t o = 0; o < og; o++)
            for (int64_t c = 0; c < cg; c++)
                for (int64_t t = 0; t < taps; t++)
                    wf[((k * cg + c) * og + o) * taps + taps - 1 - t] = w[((k * og + o) * cg + c) * taps + t];
    nb_conv_geom f = *g;
    f.c = g->o, f.h_in = g->h_out, f.w_in = g->w_out;
    f.o = g->c, f.h_out = g->h_in, f.w_out = g->w_in;
    f.pad_h = g->dil * (g->kh - 1) - g->pad_h, f.pad_w = g->dil * (g->kw - 1) - g->pad_w;
    return nb_conv_kernel(NB_OP_CONV2D, &f, gy, wf, gx);
}

bool nb_conv_kernel(nb_op_id op, const nb_conv_geom *g, const nb_real *a, const nb_real *b, nb_real *out) {
    if (op == NB_OP_CONV_TRANSPOSE2D && g->stride == 1) return input_grad_as_conv(g, a, b, out);
    plan p;
    if (!make_plan(&p, op, g)) return false;
    const nb_real *x = op == NB_OP_CONV_TRANSPOSE2D ? NULL : a;
    const nb_real *w = op == NB_OP_CONV2D_WEIGHT ? NULL : b;
    const nb_real *gy = op == NB_OP_CONV2D ? NULL : op == NB_OP_CONV2D_WEIGHT ? b : a;
    if (op == NB_OP_CONV2D_WEIGHT && g->n == 0) memset(out, 0, (size_t)(g->o * p.kg) * sizeof *out);
    for (int64_t n0 = 0; n0 < g->n; n0 += p.chunk)
        for (int64_t i0 = 0; i0 < g->h_out; i0 += p.band) {
            tile t = {n0, g->n - n0 < p.chunk ? g->n - n0 : p.chunk, i0, g->h_out - i0 < p.band ? g->h_out - i0 : p.band, 0};
            t.cols = t.m * t.rows * g->w_out;
            run_tile(op, g, &p, &t, x, w, gy, out);
        }
    return true;
}
