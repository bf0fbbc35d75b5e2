/* test_ops_norm.c — batch_norm, layer_norm, dropout and dropout2d: gradient
 * checks of both orders (train and eval, with and without affine parameters,
 * batch 1 and more), the fused and graph-built batch_norm VJPs against each
 * other, forward and running-stat values computed by hand, the dropout masks'
 * seeding, order and keep rate, and the error messages. */
#include <math.h>
#include <string.h>
#include "test_util.h"

/* the op gave NULL and recorded an error containing msg */
static void expect_failure(nb_tensor *got, const char *msg) {
    assert_null(got);
    tu_expect_error(msg);
}

static const bool is_double = sizeof(nb_real) == sizeof(double);

/* ---- batch_norm ---------------------------------------------------------- */

typedef struct {
    bool has_w, has_b, training;
    double eps;
    nb_tensor *rm, *rv; /* running stats, constants */
} bn_ctx;

/* x[0] is the input, then the weight and bias that the ctx says are present */
static nb_tensor *f_batch_norm(nb_tensor **x, void *c) {
    bn_ctx *b = c;
    nb_tensor *w = b->has_w ? x[1] : NULL, *bias = b->has_b ? x[1 + b->has_w] : NULL;
    return nb_batch_norm(x[0], w, bias, b->rm, b->rv, b->training, 0.1, b->eps);
}

enum { W = 1, B = 2, TRAIN = 4, TRACK = 8 }; /* TRACK: running stats passed in training */

typedef struct {
    const char *name;
    int ndim;
    int64_t shape[4];
    int flags;
    double eps;
} bn_case;

static void check_batch_norm(const bn_case *k) {
    int64_t ch = k->shape[1];
    bn_ctx c = {.has_w = k->flags & W, .has_b = k->flags & B, .training = k->flags & TRAIN, .eps = k->eps};
    nb_tensor *x[3] = {gc_uniform(k->ndim, k->shape, -1, 1)};
    int n = 1;
    if (c.has_w) x[n++] = gc_uniform(NB_SHAPE(ch), 0.5, 1.5);
    if (c.has_b) x[n++] = gc_uniform(NB_SHAPE(ch), -0.5, 0.5);
    if (!c.training || k->flags & TRACK) {
        c.rm = gc_uniform(NB_SHAPE(ch), -0.2, 0.2);
        c.rv = gc_uniform(NB_SHAPE(ch), 0.5, 1.5);
    }
    gc_check(k->name, f_batch_norm, n, x, &c);
}

static void test_batch_norm_gradients(void **s) {
    (void)s;
    const bn_case cases[] = {
        {"bn [5,3] train", 2, {5, 3}, W | B | TRAIN, 1e-5},
        {"bn [2,3] train", 2, {2, 3}, W | B | TRAIN, 1e-5},
        {"bn [3,2,3,5] train eps 0.8", 4, {3, 2, 3, 5}, W | B | TRAIN, 0.8},
        {"bn [1,3,3,3] train no affine", 4, {1, 3, 3, 3}, TRAIN, 1e-5},
        {"bn [3,2,1,3] train weight only", 4, {3, 2, 1, 3}, W | TRAIN, 1e-5},
        {"bn [3,2,3,1] train bias only", 4, {3, 2, 3, 1}, B | TRAIN, 1e-5},
        /* running stats given in training are updated but do not change y */
        {"bn [2,2,3,3] train with running stats", 4, {2, 2, 3, 3}, W | B | TRAIN | TRACK, 1e-5},
        {"bn [3,2,3,3] eval eps 0.8", 4, {3, 2, 3, 3}, W | B, 0.8},
        {"bn [1,3,3,1] eval", 4, {1, 3, 3, 1}, W | B, 1e-5},
        {"bn [4,3] eval no affine", 2, {4, 3}, 0, 1e-5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_batch_norm(&cases[i]);
    TU_NO_ERROR();
}

/* The fused first-order VJP and the one built from ops (create_graph) agree. */
static void check_paths_agree(bool training) {
    nb_tensor *x[3] = {nb_requires_grad(gc_uniform(NB_SHAPE(4, 3, 3, 5), -2, 3), true),
                       nb_requires_grad(gc_uniform(NB_SHAPE(3), 0.5, 1.5), true),
                       nb_requires_grad(gc_uniform(NB_SHAPE(3), -1, 1), true)};
    nb_tensor *rm = gc_uniform(NB_SHAPE(3), -0.5, 0.5), *rv = gc_uniform(NB_SHAPE(3), 0.5, 2);
    nb_tensor *y = nb_batch_norm(x[0], x[1], x[2], rm, rv, training, 0.1, 1e-5);
    nb_tensor *v = nb_normal(y->ndim, y->shape, 0, 1), *fused[3], *graph[3];
    assert_int_equal(nb_grad(1, &y, &v, 3, x, fused, false), 0);
    assert_int_equal(nb_grad(1, &y, &v, 3, x, graph, true), 0);
    assert_true(graph[0]->requires_grad && !fused[0]->requires_grad);
    for (int i = 0; i < 3; i++)
        for (int64_t k = 0; k < x[i]->numel; k++) {
            double a = fused[i]->data[k], b = graph[i]->data[k];
            assert_true(fabs(a - b) <= (is_double ? 1e-12 : 2e-5) * fmax(1, fabs(b)));
        }
}

static void test_batch_norm_fused_and_graph_vjps_agree(void **s) {
    (void)s;
    check_paths_agree(true);
    check_paths_agree(false);
    TU_NO_ERROR();
}

/* Training without affine: sum(y) is 0 for every x, so both VJPs give 0; a
 * VJP that took the batch mean for a constant would give rstd instead. */
static void test_batch_norm_gradient_of_sum_is_zero(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(gc_uniform(NB_SHAPE(3, 2, 2, 2), -1, 1), true), *g;
    nb_tensor *L = nb_sum(nb_batch_norm(x, NULL, NULL, NULL, NULL, true, 0.1, 1e-5));
    for (int create_graph = 0; create_graph < 2; create_graph++) {
        assert_int_equal(nb_grad(1, &L, NULL, 1, &x, &g, create_graph), 0);
        for (int64_t k = 0; k < g->numel; k++) assert_true(fabs(g->data[k]) < 1e-5);
    }
    TU_NO_ERROR();
}

/* Large enough for several parallel chunks: the same bits on 1 and 2 threads. */
static void test_batch_norm_thread_count_invariant(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(gc_uniform(NB_SHAPE(8, 16, 24, 24), -1, 3), true);
    nb_tensor *v = nb_normal(x->ndim, x->shape, 0, 1), *out[2][2];
    int prev = nb_num_threads();
    for (int t = 0; t < 2; t++) {
        nb_set_num_threads(t + 1);
        out[t][0] = nb_batch_norm(x, NULL, NULL, NULL, NULL, true, 0.1, 1e-5);
        assert_int_equal(nb_grad(1, &out[t][0], &v, 1, &x, &out[t][1], false), 0);
    }
    nb_set_num_threads(prev);
    for (int k = 0; k < 2; k++)
        assert_memory_equal(out[0][k]->data, out[1][k]->data, (size_t)x->numel * sizeof(nb_real));
    TU_NO_ERROR();
}

static void test_batch_norm_forward_values(void **s) {
    (void)s;
    /* [4,2]: channel 0 = 1,2,3,4 (mean 2.5, var 1.25), channel 1 = 2,4,6,8 (mean 5, var 5) */
    nb_tensor *x = nb_from_data(NB_SHAPE(4, 2), (nb_real[]){1, 2, 2, 4, 3, 6, 4, 8});
    nb_tensor *w = nb_from_data(NB_SHAPE(2), (nb_real[]){2, -1});
    nb_tensor *b = nb_from_data(NB_SHAPE(2), (nb_real[]){1, 0.5});
    nb_tensor *y = nb_batch_norm(x, w, b, NULL, NULL, true, 0.1, 0.8);
    double r0 = 1 / sqrt(1.25 + 0.8), r1 = 1 / sqrt(5 + 0.8);
    double want[8];
    for (int i = 0; i < 4; i++) {
        want[2 * i] = 2 * (i + 1 - 2.5) * r0 + 1;
        want[2 * i + 1] = -1 * (2 * (i + 1) - 5.0) * r1 + 0.5;
    }
    tu_assert_close(y->data, want, 8, 1e-6);
    /* [2,2,1,2] holding 0..7: channel 0 = 0,1,4,5, channel 1 = 2,3,6,7 (var 4.25 each) */
    nb_tensor *x4 = nb_from_data(NB_SHAPE(2, 2, 1, 2), (nb_real[]){0, 1, 2, 3, 4, 5, 6, 7});
    nb_tensor *y4 = nb_batch_norm(x4, NULL, NULL, NULL, NULL, true, 0.1, 1e-5);
    double r = 1 / sqrt(4.25 + 1e-5);
    double want4[8] = {-2.5 * r, -1.5 * r, -2.5 * r, -1.5 * r, 1.5 * r, 2.5 * r, 1.5 * r, 2.5 * r};
    tu_assert_close(y4->data, want4, 8, 1e-6);
    /* a large common offset does not cost accuracy: same result for 1e4 + x */
    nb_tensor *far = nb_add_scalar(x4, 1e4);
    tu_assert_close(nb_batch_norm(far, NULL, NULL, NULL, NULL, true, 0.1, 1e-5)->data,
                    want4, 8, is_double ? 1e-9 : 1e-3);
    TU_NO_ERROR();
}

static void test_batch_norm_running_stats(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(4, 2), (nb_real[]){1, 2, 2, 4, 3, 6, 4, 8});
    nb_tensor *rm = nb_zeros(NB_SHAPE(2)), *rv = nb_ones(NB_SHAPE(2));
    /* unbiased batch variances: 1.25 * 4/3 and 5 * 4/3 */
    nb_batch_norm(x, NULL, NULL, rm, rv, true, 0.1, 1e-5);
    tu_assert_close(rm->data, (double[]){0.25, 0.5}, 2, 1e-6);
    tu_assert_close(rv->data, (double[]){0.9 + 0.1 * 5 / 3.0, 0.9 + 0.1 * 20 / 3.0}, 2, 1e-6);
    nb_batch_norm(x, NULL, NULL, rm, rv, true, 0.5, 1e-5);
    tu_assert_close(rm->data, (double[]){0.5 * 0.25 + 0.5 * 2.5, 0.5 * 0.5 + 0.5 * 5}, 2, 1e-6);
    double rv0 = 0.9 + 0.5 / 3.0, rv1 = 0.9 + 2 / 3.0; /* after the first step */
    tu_assert_close(rv->data, (double[]){0.5 * rv0 + 0.5 * 5 / 3.0, 0.5 * rv1 + 0.5 * 20 / 3.0}, 2, 1e-6);
    /* eval uses the running stats and leaves them alone */
    nb_tensor *w = nb_from_data(NB_SHAPE(2), (nb_real[]){2, 3});
    nb_tensor *b = nb_from_data(NB_SHAPE(2), (nb_real[]){-1, 1});
    nb_tensor *m0 = nb_from_data(NB_SHAPE(2), (nb_real[]){1, -1});
    nb_tensor *v0 = nb_from_data(NB_SHAPE(2), (nb_real[]){3.2, 0.2});
    nb_tensor *y = nb_batch_norm(x, w, b, m0, v0, false, 0.1, 0.8);
    /* channel 0: (x - 1)/2 * 2 - 1 = x - 2; channel 1: (x + 1)/1 * 3 + 1 */
    tu_assert_close(y->data, (double[]){-1, 10, 0, 16, 1, 22, 2, 28}, 8, 1e-6);
    tu_assert_close(m0->data, (double[]){1, -1}, 2, 0);
    tu_assert_close(v0->data, (double[]){3.2, 0.2}, 2, 1e-7);
    TU_NO_ERROR();
}

static void test_batch_norm_errors(void **s) {
    (void)s;
    nb_tensor *x = nb_zeros(NB_SHAPE(2, 4, 5, 5)), *c4 = nb_ones(NB_SHAPE(4)), *c3 = nb_ones(NB_SHAPE(3));
    expect_failure(nb_batch_norm(nb_zeros(NB_SHAPE(2, 3, 4)), NULL, NULL, NULL, NULL, true, 0.1, 1e-5),
                   "batch_norm: input [2,3,4] must be [N,C] or [N,C,H,W]");
    expect_failure(nb_batch_norm(x, c3, NULL, NULL, NULL, true, 0.1, 1e-5),
                   "batch_norm: weight [3] does not match the 4 channels of input [2,4,5,5]");
    expect_failure(nb_batch_norm(x, c4, nb_ones(NB_SHAPE(4, 1)), NULL, NULL, true, 0.1, 1e-5),
                   "batch_norm: bias [4,1] does not match the 4 channels of input [2,4,5,5]");
    expect_failure(nb_batch_norm(x, NULL, NULL, c4, c3, false, 0.1, 1e-5),
                   "batch_norm: running_var [3] does not match");
    expect_failure(nb_batch_norm(x, NULL, NULL, c4, NULL, false, 0.1, 1e-5),
                   "batch_norm: eval mode on [2,4,5,5] needs running_mean and running_var");
    expect_failure(nb_batch_norm(nb_zeros(NB_SHAPE(1, 3)), NULL, NULL, NULL, NULL, true, 0.1, 1e-5),
                   "batch_norm: input [1,3] has fewer than 2 values per channel to train on");
    expect_failure(nb_batch_norm(x, NULL, NULL, NULL, NULL, true, 0.1, -1),
                   "batch_norm: eps -1 must be >= 0");
    expect_failure(nb_batch_norm(NULL, c4, c4, NULL, NULL, true, 0.1, 1e-5), "NULL tensor");
    /* eval on batch 1 is fine */
    assert_non_null(nb_batch_norm(nb_zeros(NB_SHAPE(1, 4)), NULL, NULL, c4, c4, false, 0.1, 1e-5));
    TU_NO_ERROR();
}

/* WGAN-GP through a critic with batch_norm (training, eps 0.8 as in f-AnoGAN),
 * dropout2d and avg_pool2d: GP(theta) = mean_i (||dD(x_i)/dx_i|| - 1)^2. Its
 * gradient needs batch_norm's second derivative, and the second-order check
 * its third, all through the VJP built from ops. */
static nb_tensor *bn_gradient_penalty(nb_tensor **p, void *c) {
    nb_tensor *x = c, *dx, *gp = NULL;
    bool prev = nb_set_grad_enabled(true); /* GP needs the tape even when evaluated for differences */
    nb_seed(3);
    nb_tensor *h = nb_tanh(nb_batch_norm(x, p[0], p[1], NULL, NULL, true, 0.1, 0.8));
    nb_tensor *d = nb_sum_dims(nb_flatten(nb_mul(nb_avg_pool2d(nb_dropout2d(h, 0.25, true), 2, 1), p[2])), 1,
                               (int[]){1}, false);
    if (nb_grad(1, &d, NULL, 1, &x, &dx, true) == 0)
        gp = nb_mean(nb_square(nb_add_scalar(nb_norm_per_sample(dx), -1)));
    nb_set_grad_enabled(prev);
    return gp;
}

static void test_gradient_penalty_through_batch_norm(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(gc_uniform(NB_SHAPE(4, 2, 3, 3), -1, 1), true);
    nb_tensor *p[3] = {gc_uniform(NB_SHAPE(2), 0.5, 1.5), gc_uniform(NB_SHAPE(2), -0.5, 0.5),
                       gc_uniform(NB_SHAPE(1, 2, 2, 2), -2, 2)};
    gc_check("gradient penalty through batch_norm", bn_gradient_penalty, 3, p, x);
    TU_NO_ERROR();
}

/* ---- layer_norm ---------------------------------------------------------- */

typedef struct {
    int n_dims;
    bool affine;
} ln_ctx;

static nb_tensor *f_layer_norm(nb_tensor **x, void *c) {
    ln_ctx *l = c;
    return nb_layer_norm(x[0], l->n_dims, l->affine ? x[1] : NULL, l->affine ? x[2] : NULL, 1e-5);
}

static void check_layer_norm(const char *name, int ndim, const int64_t *shape, ln_ctx c) {
    nb_tensor *x[3] = {gc_uniform(ndim, shape, -1, 1)};
    x[1] = gc_uniform(c.n_dims, shape + ndim - c.n_dims, 0.5, 1.5);
    x[2] = gc_uniform(c.n_dims, shape + ndim - c.n_dims, -0.5, 0.5);
    gc_check(name, f_layer_norm, c.affine ? 3 : 1, x, &c);
}

static void test_layer_norm_gradients(void **s) {
    (void)s;
    check_layer_norm("layer_norm [3,5] last 1", NB_SHAPE(3, 5), (ln_ctx){1, true});
    check_layer_norm("layer_norm [1,5] last 1", NB_SHAPE(1, 5), (ln_ctx){1, false});
    check_layer_norm("layer_norm [2,3,3] last 2", NB_SHAPE(2, 3, 3), (ln_ctx){2, true});
    check_layer_norm("layer_norm [2,2,1,3] last 3", NB_SHAPE(2, 2, 1, 3), (ln_ctx){3, false});
    TU_NO_ERROR();
}

static void test_layer_norm_values_and_errors(void **s) {
    (void)s;
    /* rows 1,2,3,4 (mean 2.5, var 1.25) and 2,2,2,6 (mean 3, var 3) */
    nb_tensor *x = nb_from_data(NB_SHAPE(2, 4), (nb_real[]){1, 2, 3, 4, 2, 2, 2, 6});
    nb_tensor *w = nb_from_data(NB_SHAPE(4), (nb_real[]){1, 2, 3, 4}), *b = nb_full(NB_SHAPE(4), 0.5);
    double r0 = 1 / sqrt(1.25 + 1e-5), r1 = 1 / sqrt(3 + 1e-5);
    tu_assert_close(nb_layer_norm(x, 1, w, b, 1e-5)->data,
                    (double[]){-1.5 * r0 + 0.5, -1 * r0 + 0.5, 1.5 * r0 + 0.5, 6 * r0 + 0.5,
                               -1 * r1 + 0.5, -2 * r1 + 0.5, -3 * r1 + 0.5, 12 * r1 + 0.5},
                    8, 1e-6);
    /* over both dims: mean 2.75, var 2.1875 */
    double r = 1 / sqrt(2.1875 + 0.5);
    nb_tensor *all = nb_layer_norm(x, 2, NULL, NULL, 0.5);
    double dev[8] = {-1.75, -0.75, 0.25, 1.25, -0.75, -0.75, -0.75, 3.25}, want[8];
    for (int i = 0; i < 8; i++) want[i] = dev[i] * r;
    tu_assert_close(all->data, want, 8, 1e-6);
    expect_failure(nb_layer_norm(x, 3, NULL, NULL, 1e-5),
                   "layer_norm: cannot normalize over the last 3 dims of [2,4]");
    expect_failure(nb_layer_norm(x, 0, NULL, NULL, 1e-5),
                   "layer_norm: cannot normalize over the last 0 dims");
    expect_failure(nb_layer_norm(x, 2, w, NULL, 1e-5),
                   "layer_norm: weight [4] does not match the normalized shape [2,4] of input [2,4]");
    expect_failure(nb_layer_norm(x, 1, w, nb_ones(NB_SHAPE(2)), 1e-5),
                   "layer_norm: bias [2] does not match the normalized shape [4] of input [2,4]");
}

/* ---- dropout --------------------------------------------------------------- */

typedef struct {
    double p;
    bool training, channels;
} do_ctx;

/* reseeds, so that every evaluation of the gradient check draws the same mask */
static nb_tensor *f_dropout(nb_tensor **x, void *c) {
    do_ctx *d = c;
    nb_seed(99);
    return d->channels ? nb_dropout2d(x[0], d->p, d->training) : nb_dropout(x[0], d->p, d->training);
}

static void test_dropout_gradients(void **s) {
    (void)s;
    nb_tensor *x = gc_uniform(NB_SHAPE(3, 5), -1, 1), *x4 = gc_uniform(NB_SHAPE(2, 3, 3, 1), -1, 1);
    gc_check("dropout 0.4 train", f_dropout, 1, &x, &(do_ctx){0.4, true, false});
    gc_check("dropout 0.4 eval", f_dropout, 1, &x, &(do_ctx){0.4, false, false});
    gc_check("dropout2d 0.5 train", f_dropout, 1, &x4, &(do_ctx){0.5, true, true});
    gc_check("dropout2d 0.5 eval", f_dropout, 1, &x4, &(do_ctx){0.5, false, true});
    /* the train masks above did drop and keep something */
    nb_tensor *y = f_dropout(&x, &(do_ctx){0.4, true, false});
    int zeros = 0;
    for (int64_t i = 0; i < y->numel; i++) zeros += y->data[i] == 0;
    assert_true(zeros > 0 && zeros < y->numel);
    TU_NO_ERROR();
}

static void test_dropout_mask_is_seeded_in_index_order(void **s) {
    (void)s;
    const double p = 0.3;
    nb_tensor *x = nb_ones(NB_SHAPE(50, 40));
    nb_seed(5);
    nb_tensor *a = nb_dropout(x, p, true);
    nb_seed(5);
    nb_tensor *b = nb_dropout(x, p, true);
    assert_memory_equal(a->data, b->data, (size_t)a->numel * sizeof(nb_real));
    nb_seed(5);
    for (int64_t i = 0; i < a->numel; i++) { /* element i keeps iff draw i >= p */
        bool kept = nb_rand_uniform() >= p;
        assert_true(a->data[i] == (kept ? (nb_real)(1 / (1 - p)) : 0));
    }
    nb_seed(6);
    nb_tensor *c = nb_dropout(x, p, true);
    assert_true(memcmp(a->data, c->data, (size_t)a->numel * sizeof(nb_real)) != 0);
    /* dropout2d: draw k decides channel k = n C + c */
    nb_tensor *x4 = nb_ones(NB_SHAPE(3, 4, 2, 3));
    nb_seed(7);
    nb_tensor *d = nb_dropout2d(x4, 0.5, true);
    nb_seed(7);
    for (int64_t k = 0; k < 12; k++) {
        nb_real want = nb_rand_uniform() >= 0.5 ? 2 : 0;
        for (int64_t i = 0; i < 6; i++) assert_true(d->data[k * 6 + i] == want);
    }
    TU_NO_ERROR();
}

static void test_dropout_keep_rate(void **s) {
    (void)s;
    /* 1e5 elements kept with probability 0.7: the rate's std is 0.0015 */
    nb_tensor *y = nb_dropout(nb_ones(NB_SHAPE(100000)), 0.3, true);
    int64_t kept = 0;
    for (int64_t i = 0; i < y->numel; i++) kept += y->data[i] != 0;
    assert_true(fabs((double)kept / 1e5 - 0.7) < 0.008);
    assert_true(fabs(nb_mean(y)->data[0] - 1) < 0.015); /* expectation preserved */
    /* 1e4 channels kept with probability 0.75 (std 0.0043) */
    nb_tensor *y2 = nb_dropout2d(nb_ones(NB_SHAPE(100, 100, 2, 2)), 0.25, true);
    kept = 0;
    for (int64_t k = 0; k < 10000; k++) kept += y2->data[4 * k] != 0;
    assert_true(fabs((double)kept / 1e4 - 0.75) < 0.022);
    TU_NO_ERROR();
}

static void test_dropout_identity_and_errors(void **s) {
    (void)s;
    nb_tensor *x = nb_ones(NB_SHAPE(2, 3, 2, 2));
    assert_ptr_equal(nb_dropout(x, 0.5, false), x);
    assert_ptr_equal(nb_dropout(x, 0, true), x);
    assert_ptr_equal(nb_dropout2d(x, 0.5, false), x);
    assert_ptr_equal(nb_dropout2d(x, 0, true), x);
    expect_failure(nb_dropout(x, 1, true), "dropout: p = 1 is outside [0, 1)");
    expect_failure(nb_dropout(x, -0.1, false), "dropout: p = -0.1 is outside [0, 1)");
    expect_failure(nb_dropout(x, NAN, true), "dropout: p = nan is outside [0, 1)");
    expect_failure(nb_dropout2d(x, 1.5, true), "dropout2d: p = 1.5 is outside [0, 1)");
    expect_failure(nb_dropout2d(nb_ones(NB_SHAPE(2, 3)), 0.5, true),
                   "dropout2d: input [2,3] must be [N,C,H,W]");
    expect_failure(nb_dropout(NULL, 0.5, true), "NULL tensor");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_batch_norm_gradients),
        TU_TEST(test_batch_norm_fused_and_graph_vjps_agree),
        TU_TEST(test_batch_norm_gradient_of_sum_is_zero),
        TU_TEST(test_batch_norm_thread_count_invariant),
        TU_TEST(test_batch_norm_forward_values),
        TU_TEST(test_batch_norm_running_stats),
        TU_TEST(test_batch_norm_errors),
        TU_TEST(test_gradient_penalty_through_batch_norm),
        TU_TEST(test_layer_norm_gradients),
        TU_TEST(test_layer_norm_values_and_errors),
        TU_TEST(test_dropout_gradients),
        TU_TEST(test_dropout_mask_is_seeded_in_index_order),
        TU_TEST(test_dropout_keep_rate),
        TU_TEST(test_dropout_identity_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
