/* test_ops_conv.c — conv2d and conv_transpose2d: hand-computed values, values
 * against the definition summed term by term, gradient checks of first, second
 * and third order over strides, paddings, dilation, groups, output_padding, odd
 * sizes, batches and bias, the kernels' tilings (several samples, row bands,
 * gathered rows) and 1x1 path, and the errors. */
#include <math.h>
#include <string.h>
#include "nb_internal.h"
#include "test_util.h"

/* ---- the definition, summed term by term ------------------------------------ */
/* The geometry of conv2d from [n, c, h, w] to [n, o, ho, wo] with weight
 * [o, c/g, kh, kw]; conv_transpose2d is its input gradient. */
typedef struct {
    int64_t n, c, h, w, o, ho, wo, kh, kw, s, p, d, g;
} ref_geom;

/* Visits every term w[o,cc,a,b] x[n,c,ih,iw] gy[n,o,i,j] of <gy, conv(x, w)>
 * and adds it to the derivative wanted: y (conv), gx (transposed conv) or gw. */
static void ref_terms(const ref_geom *G, const nb_real *x, const nb_real *w, const nb_real *gy, double *y,
                      double *gx, double *gw) {
    int64_t cg = G->c / G->g, og = G->o / G->g;
    for (int64_t n = 0; n < G->n; n++)
        for (int64_t o = 0; o < G->o; o++)
            for (int64_t i = 0; i < G->ho; i++)
                for (int64_t j = 0; j < G->wo; j++)
                    for (int64_t cc = 0; cc < cg; cc++)
                        for (int64_t a = 0; a < G->kh; a++)
                            for (int64_t b = 0; b < G->kw; b++) {
                                int64_t ih = i * G->s - G->p + a * G->d, iw = j * G->s - G->p + b * G->d;
                                if (ih < 0 || ih >= G->h || iw < 0 || iw >= G->w) continue;
                                int64_t c = o / og * cg + cc;
                                int64_t xi = ((n * G->c + c) * G->h + ih) * G->w + iw;
                                int64_t wi = ((o * cg + cc) * G->kh + a) * G->kw + b;
                                int64_t yi = ((n * G->o + o) * G->ho + i) * G->wo + j;
                                if (y) y[yi] += (double)w[wi] * x[xi];
                                if (gx) gx[xi] += (double)w[wi] * gy[yi];
                                if (gw) gw[wi] += (double)gy[yi] * x[xi];
                            }
}

/* Rounding grows with the size of the sums, not of the result (a gradient
 * summed over a batch can cancel to a small value): the tolerance is relative
 * to the largest wanted value. */
static void assert_matches(const char *what, const nb_tensor *t, const double *want) {
    assert_non_null(t);
    double top = 1;
    for (int64_t i = 0; i < t->numel; i++) top = fmax(top, fabs(want[i]));
    double tol = (sizeof(nb_real) == sizeof(double) ? 1e-12 : 1e-5) * top;
    for (int64_t i = 0; i < t->numel; i++)
        if (!(fabs(t->data[i] - want[i]) <= tol)) {
            print_error("%s: element %lld: got %.9g, want %.9g (tol %.3g)\n", what, (long long)i,
                        (double)t->data[i], want[i], tol);
            fail();
        }
}

/* n doubles set to zero, freed with the test's arena */
static double *dzeros(int64_t n) {
    size_t bytes = (size_t)(n ? n : 1) * sizeof(double);
    double *p = nb_arena_alloc(NULL, bytes);
    assert_non_null(p);
    memset(p, 0, bytes);
    return p;
}

/* ---- one case: sizes as the op sees them (transposed: x [n, cin, h, w] and
 * weight [cin, cout/groups, kh, kw]), params, bias ------------------------------ */
typedef struct {
    int64_t n, cin, h, w, cout, kh, kw;
    nb_conv_params p;
    bool bias, transposed;
} conv_case;

static int or_default(int v, int dflt) { return v ? v : dflt; }

/* The conv2d geometry behind a case; for the transposed op, the conv whose
 * input gradient it is. */
static ref_geom geom_of(const conv_case *k) {
    int64_t s = or_default(k->p.stride, 1), d = or_default(k->p.dilation, 1), g = or_default(k->p.groups, 1);
    int64_t pad = k->p.padding, op = k->p.output_padding;
    if (!k->transposed)
        return (ref_geom){k->n, k->cin, k->h, k->w, k->cout, (k->h + 2 * pad - d * (k->kh - 1) - 1) / s + 1,
                          (k->w + 2 * pad - d * (k->kw - 1) - 1) / s + 1, k->kh, k->kw, s, pad, d, g};
    return (ref_geom){k->n, k->cout, (k->h - 1) * s - 2 * pad + d * (k->kh - 1) + op + 1,
                      (k->w - 1) * s - 2 * pad + d * (k->kw - 1) + op + 1, k->cin, k->h, k->w, k->kh, k->kw,
                      s, pad, d, g};
}

/* x, weight and bias of a case, uniform in [-1, 1] */
static void make_inputs(const conv_case *k, nb_tensor **in) {
    int64_t g = or_default(k->p.groups, 1);
    in[0] = gc_uniform(NB_SHAPE(k->n, k->cin, k->h, k->w), -1, 1);
    in[1] = k->transposed ? gc_uniform(NB_SHAPE(k->cin, k->cout / g, k->kh, k->kw), -1, 1)
                          : gc_uniform(NB_SHAPE(k->cout, k->cin / g, k->kh, k->kw), -1, 1);
    in[2] = gc_uniform(NB_SHAPE(k->cout), -1, 1);
}

static nb_tensor *call_conv(nb_tensor **in, void *ctx) {
    const conv_case *k = ctx;
    nb_tensor *b = k->bias ? in[2] : NULL;
    return k->transposed ? nb_conv_transpose2d(in[0], in[1], b, k->p) : nb_conv2d(in[0], in[1], b, k->p);
}

/* The output, and the gradients wrt x and w for a random output gradient v,
 * against the definition. For conv2d (x, w) -> y these are the y, gx and gw of
 * T(x, w, v); the transposed op maps its x (the gy of T) to gx, so its value is
 * T's gx, and its gradients are T's y and gw with v in the place of T's x. */
static void check_against_definition(const char *name, const conv_case *k) {
    nb_tensor *in[3], *grads[2];
    make_inputs(k, in);
    nb_requires_grad(in[0], true), nb_requires_grad(in[1], true);
    nb_tensor *y = call_conv(in, (void *)k);
    if (!y) print_error("%s: %s\n", name, nb_error());
    assert_non_null(y);
    ref_geom G = geom_of(k);
    int64_t oh = k->transposed ? G.h : G.ho, ow = k->transposed ? G.w : G.wo;
    int64_t want_shape[4] = {k->n, k->cout, oh, ow};
    assert_int_equal(y->ndim, 4);
    assert_memory_equal(y->shape, want_shape, sizeof want_shape);
    nb_tensor *v = nb_normal(4, y->shape, 0, 1);
    assert_int_equal(nb_grad(1, &y, &v, 2, in, grads, false), 0);
    double *wy = dzeros(y->numel), *wx = dzeros(in[0]->numel), *ww = dzeros(in[1]->numel);
    if (k->transposed) {
        ref_terms(&G, NULL, in[1]->data, in[0]->data, NULL, wy, NULL);
        ref_terms(&G, v->data, in[1]->data, in[0]->data, wx, NULL, ww);
    } else {
        ref_terms(&G, in[0]->data, in[1]->data, v->data, wy, wx, ww);
    }
    for (int64_t i = 0; k->bias && i < y->numel; i++) wy[i] += in[2]->data[i / (oh * ow) % k->cout];
    assert_matches(name, y, wy);
    assert_matches(name, grads[0], wx);
    assert_matches(name, grads[1], ww);
    TU_NO_ERROR();
}

/* the definition, then both orders of the gradient check */
static void check_case(const char *name, conv_case k) {
    check_against_definition(name, &k);
    nb_tensor *in[3];
    make_inputs(&k, in);
    gc_check(name, call_conv, k.bias ? 3 : 2, in, &k);
    TU_NO_ERROR();
}

/* ---- hand-computed values ---------------------------------------------------- */
static void test_conv2d_hand_computed(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 1, 3, 3), (nb_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    /* kernel [[1,2],[3,4]]: y[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37; a second output
     * channel with kernel [[0,0],[0,1]] picks x[i+1][j+1]; bias 0.5 and -1 */
    nb_tensor *w = nb_from_data(NB_SHAPE(2, 1, 2, 2), (nb_real[]){1, 2, 3, 4, 0, 0, 0, 1});
    nb_tensor *b = nb_from_data(NB_SHAPE(2), (nb_real[]){0.5, -1});
    nb_tensor *y = nb_conv2d(x, w, b, (nb_conv_params){0});
    assert_int_equal(y->shape[1], 2), assert_int_equal(y->shape[2], 2);
    tu_assert_close(y->data, (double[]){37.5, 47.5, 67.5, 77.5, 4, 5, 7, 8}, 8, 1e-5);
    /* ones 3x3, stride 2, padding 1: windows centred on the corners */
    nb_tensor *ones = nb_ones(NB_SHAPE(1, 1, 3, 3));
    y = nb_conv2d(x, ones, NULL, (nb_conv_params){.stride = 2, .padding = 1});
    tu_assert_close(y->data, (double[]){12, 16, 24, 28}, 4, 1e-5);
    /* dilation 2: a 2x2 kernel on the corners 1, 3, 7, 9 */
    y = nb_conv2d(x, nb_slice(w, 0, 0, 1), NULL, (nb_conv_params){.dilation = 2});
    assert_int_equal(y->numel, 1);
    tu_assert_close(y->data, (double[]){1 * 1 + 2 * 3 + 3 * 7 + 4 * 9}, 1, 1e-5);
    /* groups 2: channel 0 -> output 0 scaled by 2, channel 1 -> output 1 scaled by -1 */
    nb_tensor *x2 = nb_from_data(NB_SHAPE(1, 2, 1, 2), (nb_real[]){1, 2, 3, 4});
    nb_tensor *wg = nb_from_data(NB_SHAPE(2, 1, 1, 1), (nb_real[]){2, -1});
    tu_assert_close(nb_conv2d(x2, wg, NULL, (nb_conv_params){.groups = 2})->data, (double[]){2, 4, -3, -4}, 4,
                    1e-6);
    TU_NO_ERROR();
}

static void test_conv_transpose2d_hand_computed(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 1, 2, 2), (nb_real[]){1, 2, 3, 4});
    nb_tensor *w = nb_from_data(NB_SHAPE(1, 1, 2, 2), (nb_real[]){1, 2, 3, 4});
    /* stride 1: out[i+a][j+b] += x[i][j] w[a][b], e.g. out[1][1] = 4 + 6 + 6 + 4 */
    nb_tensor *y = nb_conv_transpose2d(x, w, NULL, (nb_conv_params){0});
    assert_int_equal(y->shape[2], 3), assert_int_equal(y->shape[3], 3);
    tu_assert_close(y->data, (double[]){1, 4, 4, 6, 20, 16, 9, 24, 16}, 9, 1e-5);
    /* stride 2: the blocks x[i][j] w do not overlap */
    y = nb_conv_transpose2d(x, w, nb_from_data(NB_SHAPE(1), (nb_real[]){10}), (nb_conv_params){.stride = 2});
    tu_assert_close(y->data, (double[]){11, 12, 12, 14, 13, 14, 16, 18, 13, 16, 14, 18, 19, 22, 22, 26}, 16, 1e-5);
    /* padding 1 crops one row and column at the start; output_padding 1 adds
     * one at the end: out is rows/cols 1..3 of the 5x5 full result */
    y = nb_conv_transpose2d(x, w, NULL, (nb_conv_params){.stride = 2, .padding = 1, .output_padding = 1});
    assert_int_equal(y->shape[2], 3), assert_int_equal(y->shape[3], 3);
    tu_assert_close(y->data, (double[]){4, 6, 8, 6, 4, 8, 12, 12, 16}, 9, 1e-5);
    /* two input channels sum into one output: the second, all ones with kernel
     * [[1,0],[0,0]], adds 1 on the top-left 2x2 of the stride-1 result */
    nb_tensor *x2 = nb_from_data(NB_SHAPE(1, 2, 2, 2), (nb_real[]){1, 2, 3, 4, 1, 1, 1, 1});
    nb_tensor *w2 = nb_from_data(NB_SHAPE(2, 1, 2, 2), (nb_real[]){1, 2, 3, 4, 1, 0, 0, 0});
    y = nb_conv_transpose2d(x2, w2, NULL, (nb_conv_params){0});
    tu_assert_close(y->data, (double[]){2, 5, 4, 7, 21, 16, 9, 24, 16}, 9, 1e-5);
    TU_NO_ERROR();
}

/* ---- gradient checks ----------------------------------------------------------- */
static void test_conv2d_gradients(void **s) {
    (void)s;
    struct { const char *name; conv_case k; } cases[] = {
        {"3x3 stride 1", {1, 2, 5, 4, 3, 3, 3, {0}, false, false}},
        {"3x3 stride 2 pad 1 bias batch 2", {2, 2, 5, 5, 2, 3, 3, {.stride = 2, .padding = 1}, true, false}},
        {"3x2 stride 2 pad 2 odd", {1, 3, 7, 6, 2, 3, 2, {.stride = 2, .padding = 2}, false, false}},
        {"dilation 2 pad 1 batch 2", {2, 1, 6, 6, 2, 3, 3, {.padding = 1, .dilation = 2}, true, false}},
        {"groups 2 pad 1 bias", {2, 4, 5, 5, 4, 3, 3, {.padding = 1, .groups = 2}, true, false}},
        {"groups 2 stride 2", {1, 2, 5, 5, 4, 2, 2, {.stride = 2, .groups = 2}, false, false}},
        {"1x1", {2, 3, 4, 3, 2, 1, 1, {0}, true, false}},
        {"1x1 pad 1 (the flipped input gradient crops)", {1, 2, 3, 4, 2, 1, 1, {.padding = 1}, false, false}},
        {"3x3 pad 3", {1, 1, 3, 3, 2, 3, 3, {.padding = 3}, false, false}},
        {"4x4 stride 2 pad 1 (critic)", {2, 2, 6, 6, 3, 4, 4, {.stride = 2, .padding = 1}, true, false}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(cases[i].name, cases[i].k);
}

static void test_conv_transpose2d_gradients(void **s) {
    (void)s;
    struct { const char *name; conv_case k; } cases[] = {
        {"T 3x3 stride 1", {1, 2, 3, 3, 3, 3, 3, {0}, false, true}},
        {"T stride 2 pad 1 out_pad 1 bias batch 2",
         {2, 2, 3, 4, 2, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1}, true, true}},
        {"T 2x2 stride 2", {1, 3, 3, 3, 2, 2, 2, {.stride = 2}, false, true}},
        {"T dilation 2 pad 2", {2, 2, 3, 3, 1, 3, 3, {.padding = 2, .dilation = 2}, true, true}},
        {"T groups 2 stride 2 out_pad 1",
         {2, 4, 3, 3, 4, 3, 3, {.stride = 2, .padding = 1, .groups = 2, .output_padding = 1}, true, true}},
        {"T out_pad 1 < dilation 2", {1, 2, 3, 3, 2, 2, 2, {.dilation = 2, .output_padding = 1}, false, true}},
        {"T 4x4 stride 2 pad 1 (generator)", {2, 3, 3, 3, 2, 4, 4, {.stride = 2, .padding = 1}, true, true}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(cases[i].name, cases[i].k);
}

/* f(x, w) = d/dx or d/dw of sum(conv(x, w)^2), e.g. 2 conv_transpose(conv(x, w), w):
 * its second-order check differentiates the VJPs of all three primitives twice. */
typedef struct {
    nb_conv_params p;
    int wrt;
} square_ctx;

static nb_tensor *grad_of_square(nb_tensor **in, void *ctx) {
    const square_ctx *c = ctx;
    bool prev = nb_set_grad_enabled(true); /* the inner gradient needs the tape */
    nb_tensor *L = nb_sum(nb_square(nb_conv2d(in[0], in[1], NULL, c->p))), *g[2] = {0};
    bool ok = L && nb_grad(1, &L, NULL, 2, in, g, prev) == 0;
    nb_set_grad_enabled(prev);
    return ok ? g[c->wrt] : NULL;
}

static void test_third_order(void **s) {
    (void)s;
    nb_tensor *in[2] = {gc_uniform(NB_SHAPE(1, 2, 4, 4), -1, 1), gc_uniform(NB_SHAPE(2, 2, 3, 3), -1, 1)};
    square_ctx c = {{.stride = 2, .padding = 1}, 0};
    gc_check("d/dx sum(conv^2)", grad_of_square, 2, in, &c);
    c.wrt = 1;
    gc_check("d/dw sum(conv^2)", grad_of_square, 2, in, &c);
    TU_NO_ERROR();
}

/* ---- structure and the fast paths ------------------------------------------------ */
static void test_transpose_is_the_input_gradient(void **s) {
    (void)s;
    /* 7x7 and 8x8 both give 4x4 at stride 2; output_padding 1 brings back 8 */
    for (int64_t h = 7; h <= 8; h++) {
        nb_tensor *x = nb_requires_grad(gc_uniform(NB_SHAPE(2, 3, h, h), -1, 1), true);
        nb_tensor *w = gc_uniform(NB_SHAPE(4, 3, 3, 3), -1, 1);
        nb_conv_params p = {.stride = 2, .padding = 1};
        nb_tensor *y = nb_conv2d(x, w, NULL, p), *gx;
        assert_int_equal(y->shape[2], 4);
        nb_tensor *v = nb_normal(4, y->shape, 0, 1);
        assert_int_equal(nb_grad(1, &y, &v, 1, &x, &gx, false), 0);
        p.output_padding = (int)(h - 7);
        nb_tensor *t = nb_conv_transpose2d(v, w, NULL, p);
        assert_true(nb_same_shape(t, x));
        assert_memory_equal(t->data, gx->data, (size_t)t->numel * sizeof(nb_real));
    }
    TU_NO_ERROR();
}

/* The tilings of ops/conv_kernels.c (column budget 2^21 elements, one sample
 * per tile from 32x32 pixels): */
static void test_tiles_and_pointwise_path(void **s) {
    (void)s;
    /* 96 channels x 9 taps x 31x31 pixels of columns: tiles of 2, 2 and 1 samples */
    check_against_definition("2+2+1 samples", &(conv_case){5, 96, 31, 31, 2, 3, 3, {.padding = 1}, true, false});
    /* 64 x 9 x 64x64: bands of output rows within each sample; at stride 2 the
     * transposed conv adds the bands' columns onto overlapping input rows */
    check_against_definition("bands", &(conv_case){2, 64, 64, 64, 2, 3, 3, {.padding = 1}, false, false});
    check_against_definition("bands, gathered", &(conv_case){1, 64, 512, 8, 2, 3, 3, {.padding = 1}, false, false});
    check_against_definition("bands T", &(conv_case){1, 2, 64, 64, 64, 3, 3, {.stride = 2, .padding = 1,
                                                     .output_padding = 1}, false, true});
    /* one sample per tile, in place */
    check_against_definition("wide", &(conv_case){3, 3, 40, 36, 4, 3, 3, {.stride = 1, .padding = 2}, true, false});
    /* 1x1 stride 1 on 16x16: the GEMMs read x in place */
    check_against_definition("1x1", &(conv_case){3, 4, 16, 16, 5, 1, 1, {0}, true, false});
    check_against_definition("1x1 groups", &(conv_case){2, 4, 16, 16, 2, 1, 1, {.groups = 2}, false, false});
    check_against_definition("1x1 T", &(conv_case){2, 4, 16, 16, 3, 1, 1, {0}, true, true});
    conv_case k = {1, 2, 16, 16, 2, 1, 1, {0}, false, false};
    nb_tensor *in[3];
    make_inputs(&k, in);
    gc_check("1x1 in place", call_conv, 2, in, &k);
    TU_NO_ERROR();
}

static void test_empty_batch(void **s) {
    (void)s;
    nb_tensor *x = nb_zeros(NB_SHAPE(0, 2, 5, 5)), *w = nb_requires_grad(nb_ones(NB_SHAPE(3, 2, 3, 3)), true), *gw;
    nb_tensor *y = nb_conv2d(x, w, NULL, (nb_conv_params){0});
    int64_t want[4] = {0, 3, 3, 3};
    assert_memory_equal(y->shape, want, sizeof want);
    assert_int_equal(nb_grad(1, &y, NULL, 1, &w, &gw, false), 0);
    for (int64_t i = 0; i < gw->numel; i++) assert_true(gw->data[i] == 0);
    TU_NO_ERROR();
}

/* ---- errors -------------------------------------------------------------------- */
static void expect_fail(nb_tensor *r, const char *needle) {
    assert_null(r);
    tu_expect_error(needle);
}

static void test_errors(void **s) {
    (void)s;
    nb_tensor *x = nb_ones(NB_SHAPE(1, 3, 5, 5)), *w = nb_ones(NB_SHAPE(4, 3, 3, 3));
    nb_conv_params p0 = {0};
    expect_fail(nb_conv2d(x, nb_ones(NB_SHAPE(4, 2, 3, 3)), NULL, p0),
                "conv2d: weight [4,2,3,3] does not fit input [1,3,5,5] with groups 1: want [4, 3, kh, kw]");
    expect_fail(nb_conv2d(nb_ones(NB_SHAPE(1, 1, 2, 2)), nb_ones(NB_SHAPE(1, 1, 3, 3)), NULL, p0),
                "conv2d: kernel 3x3 with dilation 1 is larger than the padded input ([1,1,2,2] with padding 0)");
    expect_fail(nb_conv2d(nb_ones(NB_SHAPE(1, 1, 4, 4)), nb_ones(NB_SHAPE(1, 1, 3, 3)), NULL,
                          (nb_conv_params){.dilation = 2}),
                "kernel 3x3 with dilation 2 is larger than the padded input");
    assert_non_null(nb_conv2d(nb_ones(NB_SHAPE(1, 1, 4, 4)), nb_ones(NB_SHAPE(1, 1, 3, 3)), NULL,
                              (nb_conv_params){.dilation = 2, .padding = 1}));
    expect_fail(nb_conv2d(x, nb_ones(NB_SHAPE(4, 1, 3, 3)), NULL, (nb_conv_params){.groups = 2}),
                "conv2d: groups 2 does not divide the 3 input channels ([1,3,5,5])");
    expect_fail(nb_conv2d(nb_ones(NB_SHAPE(1, 4, 5, 5)), nb_ones(NB_SHAPE(3, 2, 3, 3)), NULL,
                          (nb_conv_params){.groups = 2}),
                "conv2d: groups 2 does not divide the 3 output channels ([3,2,3,3])");
    expect_fail(nb_conv2d(x, w, nb_ones(NB_SHAPE(5)), p0), "conv2d: bias [5] does not fit the 4 output channels: want [4]");
    expect_fail(nb_conv2d(nb_ones(NB_SHAPE(3, 5, 5)), w, NULL, p0), "conv2d: input [3,5,5] and weight [4,3,3,3]");
    expect_fail(nb_conv2d(x, nb_ones(NB_SHAPE(0, 3, 3, 3)), NULL, p0), "non-empty 4-D weight");
    expect_fail(nb_conv2d(x, w, NULL, (nb_conv_params){.stride = -1}), "conv2d: negative parameter (stride -1");
    expect_fail(nb_conv2d(x, w, NULL, (nb_conv_params){.output_padding = 1}),
                "conv2d: output_padding 1 applies to conv_transpose2d only");
    expect_fail(nb_conv_transpose2d(x, nb_ones(NB_SHAPE(2, 2, 3, 3)), NULL, p0),
                "conv_transpose2d: weight [2,2,3,3] does not fit input [1,3,5,5]: want [3, out/groups, kh, kw]");
    expect_fail(nb_conv_transpose2d(x, nb_ones(NB_SHAPE(3, 2, 3, 3)), NULL, (nb_conv_params){.groups = 2}),
                "conv_transpose2d: groups 2 does not divide the 3 input channels");
    expect_fail(nb_conv_transpose2d(x, nb_ones(NB_SHAPE(3, 2, 3, 3)), NULL,
                                    (nb_conv_params){.stride = 2, .output_padding = 2}),
                "conv_transpose2d: output_padding 2 must be smaller than stride 2 or dilation 1");
    expect_fail(nb_conv_transpose2d(nb_ones(NB_SHAPE(1, 1, 1, 1)), nb_ones(NB_SHAPE(1, 1, 1, 1)), NULL,
                                    (nb_conv_params){.padding = 1}),
                "conv_transpose2d: input [1,1,1,1] and weight [1,1,1,1] with stride 1, padding 1 give an empty "
                "output -1x-1");
    expect_fail(nb_conv_transpose2d(x, nb_ones(NB_SHAPE(3, 2, 3, 3)), nb_ones(NB_SHAPE(3)), p0),
                "conv_transpose2d: bias [3] does not fit the 2 output channels: want [2]");
    /* a NULL input gives NULL and keeps the message of the first failure */
    nb_tensor *failed = nb_conv2d(x, nb_ones(NB_SHAPE(4, 2, 3, 3)), NULL, p0);
    assert_null(nb_conv2d(failed, w, NULL, p0));
    assert_null(nb_conv_transpose2d(x, failed, NULL, p0));
    tu_expect_error("conv2d: weight [4,2,3,3] does not fit");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_conv2d_hand_computed),
        TU_TEST(test_conv_transpose2d_hand_computed),
        TU_TEST(test_conv2d_gradients),
        TU_TEST(test_conv_transpose2d_gradients),
        TU_TEST(test_third_order),
        TU_TEST(test_transpose_is_the_input_gradient),
        TU_TEST(test_tiles_and_pointwise_path),
        TU_TEST(test_empty_batch),
        TU_TEST(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
