/* test_ops_pool.c — upsample_nearest2d, avg_pool2d, max_pool2d, depth_to_space
 * and space_to_depth: gradient checks of both orders over odd sizes, batch 1 and
 * more, strides 1 and 2; forward values computed by hand; max_pool2d's routing
 * of gradients (summed where overlapping windows share an argmax); the error
 * messages. Max-pool inputs are distinct values 0.1 apart, so neither the
 * finite differences nor the argmax meet a tie. */
#include <string.h>
#include "test_util.h"

/* the op gave NULL and recorded an error containing msg */
static void expect_failure(nb_tensor *got, const char *msg) {
    assert_null(got);
    tu_expect_error(msg);
}

typedef struct {
    nb_tensor *(*op)(nb_tensor *, int, int);
    nb_tensor *(*op1)(nb_tensor *, int);
    int a, b;
} pool_ctx;

static nb_tensor *f_pool(nb_tensor **x, void *c) {
    pool_ctx *p = c;
    return p->op ? p->op(x[0], p->a, p->b) : p->op1(x[0], p->a);
}

/* x of `shape` holding 0.1 * a random permutation of 0..numel-1, signs mixed */
static nb_tensor *distinct_values(int ndim, const int64_t *shape) {
    nb_tensor *x = nb_tensor_new(ndim, shape);
    for (int64_t i = 0; i < x->numel; i++) x->data[i] = (nb_real)i;
    for (int64_t i = x->numel - 1; i > 0; i--) { /* Fisher–Yates */
        int64_t k = (int64_t)(nb_rand_uniform() * (double)(i + 1));
        nb_real t = x->data[i];
        x->data[i] = x->data[k], x->data[k] = t;
    }
    double mid = (double)x->numel / 2;
    for (int64_t i = 0; i < x->numel; i++) x->data[i] = (nb_real)(0.1 * (x->data[i] - mid));
    return x;
}

static void test_pool_gradients(void **s) {
    (void)s;
    int64_t shapes[][4] = {{1, 2, 5, 7}, {3, 1, 5, 5}, {2, 2, 4, 3}};
    for (int k = 2; k <= 3; k++)
        for (int st = 1; st <= 2; st++)
            for (int i = 0; i < 3; i++) {
                nb_tensor *x = gc_uniform(4, shapes[i], -1, 1), *xm = distinct_values(4, shapes[i]);
                gc_check("avg_pool2d", f_pool, 1, &x, &(pool_ctx){.op = nb_avg_pool2d, .a = k, .b = st});
                gc_check("max_pool2d", f_pool, 1, &xm, &(pool_ctx){.op = nb_max_pool2d, .a = k, .b = st});
            }
    TU_NO_ERROR();
}

static void test_resample_gradients(void **s) {
    (void)s;
    /* small inputs: <v, y> over a large output would blur the finite differences */
    nb_tensor *x = gc_uniform(NB_SHAPE(2, 1, 3, 3), -1, 1), *x1 = gc_uniform(NB_SHAPE(1, 2, 3, 1), -1, 1);
    for (int sc = 1; sc <= 3; sc++) {
        pool_ctx up = {.op1 = nb_upsample_nearest2d, .a = sc};
        gc_check("upsample_nearest2d", f_pool, 1, &x, &up);
        gc_check("upsample_nearest2d batch 1", f_pool, 1, &x1, &up);
    }
    nb_tensor *deep = gc_uniform(NB_SHAPE(2, 8, 3, 1), -1, 1);
    nb_tensor *deep3 = gc_uniform(NB_SHAPE(1, 9, 1, 3), -1, 1);
    gc_check("depth_to_space 2", f_pool, 1, &deep, &(pool_ctx){.op1 = nb_depth_to_space, .a = 2});
    gc_check("depth_to_space 3", f_pool, 1, &deep3, &(pool_ctx){.op1 = nb_depth_to_space, .a = 3});
    nb_tensor *wide = gc_uniform(NB_SHAPE(2, 3, 2, 6), -1, 1);
    nb_tensor *wide3 = gc_uniform(NB_SHAPE(1, 1, 3, 3), -1, 1);
    gc_check("space_to_depth 2", f_pool, 1, &wide, &(pool_ctx){.op1 = nb_space_to_depth, .a = 2});
    gc_check("space_to_depth 3", f_pool, 1, &wide3, &(pool_ctx){.op1 = nb_space_to_depth, .a = 3});
    TU_NO_ERROR();
}

/* Second order through a nonlinearity: d/dx of <u, grad(sum(tanh(op(x))^2))>
 * goes back through the adjoint's own VJP (the op again). */
static nb_tensor *f_tanh_square(nb_tensor **x, void *c) {
    nb_tensor *y = f_pool(x, c);
    return nb_square(nb_tanh(y));
}

static void test_pools_inside_nonlinear_functions(void **s) {
    (void)s;
    nb_tensor *x = distinct_values(NB_SHAPE(2, 2, 5, 5));
    gc_check("tanh(max_pool2d)^2", f_tanh_square, 1, &x, &(pool_ctx){.op = nb_max_pool2d, .a = 3, .b = 2});
    gc_check("tanh(avg_pool2d)^2", f_tanh_square, 1, &x, &(pool_ctx){.op = nb_avg_pool2d, .a = 2, .b = 1});
    nb_tensor *small = gc_uniform(NB_SHAPE(1, 2, 3, 3), -1, 1);
    gc_check("tanh(upsample)^2", f_tanh_square, 1, &small,
             &(pool_ctx){.op1 = nb_upsample_nearest2d, .a = 2});
    nb_tensor *d = gc_uniform(NB_SHAPE(1, 4, 3, 3), -1, 1);
    gc_check("tanh(depth_to_space)^2", f_tanh_square, 1, &d, &(pool_ctx){.op1 = nb_depth_to_space, .a = 2});
    TU_NO_ERROR();
}

static void test_upsample_and_avg_pool_values(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 1, 2, 2), (nb_real[]){1, 2, 3, 4});
    tu_assert_close(nb_upsample_nearest2d(x, 2)->data,
                    (double[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 16, 0);
    nb_tensor *row = nb_from_data(NB_SHAPE(2, 1, 1, 2), (nb_real[]){5, 6, 7, 8});
    nb_tensor *up3 = nb_upsample_nearest2d(row, 3);
    assert_int_equal(up3->shape[2], 3);
    assert_int_equal(up3->shape[3], 6);
    tu_assert_close(up3->data + 18, (double[]){7, 7, 7, 8, 8, 8}, 6, 0); /* second sample, first row */
    /* 1..9 in 3x3, k 2 stride 1: window means */
    nb_tensor *n9 = nb_from_data(NB_SHAPE(1, 1, 3, 3), (nb_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    tu_assert_close(nb_avg_pool2d(n9, 2, 1)->data, (double[]){3, 4, 6, 7}, 4, 1e-6);
    tu_assert_close(nb_avg_pool2d(n9, 3, 1)->data, (double[]){5}, 1, 1e-6);
    /* 3x4, k 2 stride 2: the last row is in no window */
    nb_tensor *n12 = nb_from_data(NB_SHAPE(1, 1, 3, 4), (nb_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    nb_tensor *p = nb_avg_pool2d(n12, 2, 2);
    assert_int_equal(p->shape[2], 1);
    assert_int_equal(p->shape[3], 2);
    tu_assert_close(p->data, (double[]){3.5, 5.5}, 2, 1e-6);
    /* avg_pool's gradient: each x gets 1/k^2 per window holding it */
    nb_tensor *xg = nb_requires_grad(nb_zeros(NB_SHAPE(1, 1, 3, 4)), true), *g;
    nb_tensor *L = nb_sum(nb_avg_pool2d(xg, 2, 2));
    assert_int_equal(nb_grad(1, &L, NULL, 1, &xg, &g, false), 0);
    tu_assert_close(g->data, (double[]){.25, .25, .25, .25, .25, .25, .25, .25, 0, 0, 0, 0}, 12, 1e-7);
    L = nb_sum(nb_avg_pool2d(xg, 2, 1));
    assert_int_equal(nb_grad(1, &L, NULL, 1, &xg, &g, false), 0);
    tu_assert_close(g->data, (double[]){.25, .5, .5, .25, .5, 1, 1, .5, .25, .5, .5, .25}, 12, 1e-7);
    TU_NO_ERROR();
}

static void test_max_pool_values_and_routing(void **s) {
    (void)s;
    nb_real xs[9] = {5, 1, 9, 2, 8, 3, 7, 4, 6};
    nb_tensor *x = nb_requires_grad(nb_from_data(NB_SHAPE(1, 1, 3, 3), xs), true);
    nb_tensor *y = nb_max_pool2d(x, 2, 1), *g, *gg;
    tu_assert_close(y->data, (double[]){8, 9, 8, 8}, 4, 0);
    /* the 8 is the max of three windows: its gradient is the sum of theirs */
    nb_real vs[4] = {1, 10, 100, 1000};
    nb_tensor *v = nb_requires_grad(nb_from_data(NB_SHAPE(1, 1, 2, 2), vs), true);
    assert_int_equal(nb_grad(1, &y, &v, 1, &x, &g, true), 0);
    tu_assert_close(g->data, (double[]){0, 0, 10, 0, 1101, 0, 0, 0, 0}, 9, 0);
    /* the scatter's own VJP gathers: d<u, g>/dv = u at each window's argmax */
    nb_tensor *u = nb_from_data(NB_SHAPE(1, 1, 3, 3), (nb_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    nb_tensor *m = nb_sum(nb_mul(u, g));
    assert_int_equal(nb_grad(1, &m, NULL, 1, &v, &gg, false), 0);
    tu_assert_close(gg->data, (double[]){5, 3, 5, 5}, 4, 0);
    /* ties: the first of equal values wins */
    nb_tensor *flat = nb_requires_grad(nb_ones(NB_SHAPE(1, 1, 2, 2)), true);
    nb_tensor *L = nb_sum(nb_max_pool2d(flat, 2, 2));
    assert_int_equal(nb_grad(1, &L, NULL, 1, &flat, &g, false), 0);
    tu_assert_close(g->data, (double[]){1, 0, 0, 0}, 4, 0);
    /* 5x5, k 3 stride 2, two channels */
    nb_tensor *x25 = nb_tensor_new(NB_SHAPE(1, 2, 5, 5));
    for (int i = 0; i < 50; i++) x25->data[i] = (nb_real)((i * 17) % 50);
    nb_tensor *p = nb_max_pool2d(x25, 3, 2);
    double want[8];
    for (int c = 0; c < 2; c++)
        for (int oi = 0; oi < 2; oi++)
            for (int oj = 0; oj < 2; oj++) {
                double best = -1;
                for (int u2 = 0; u2 < 3; u2++)
                    for (int v2 = 0; v2 < 3; v2++) {
                        int at = c * 25 + (2 * oi + u2) * 5 + 2 * oj + v2;
                        double val = (at * 17) % 50;
                        if (val > best) best = val;
                    }
                want[(c * 2 + oi) * 2 + oj] = best;
            }
    tu_assert_close(p->data, want, 8, 0);
    TU_NO_ERROR();
}

static void test_depth_space_values(void **s) {
    (void)s;
    /* channel k of x holds 10 k + w: out[0, 0, i, 2 w + j] = x[0, 2 i + j, 0, w] */
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 4, 1, 2), (nb_real[]){0, 1, 10, 11, 20, 21, 30, 31});
    nb_tensor *y = nb_depth_to_space(x, 2);
    assert_int_equal(y->shape[1], 1);
    assert_int_equal(y->shape[2], 2);
    assert_int_equal(y->shape[3], 4);
    tu_assert_close(y->data, (double[]){0, 10, 1, 11, 20, 30, 21, 31}, 8, 0);
    tu_assert_close(nb_space_to_depth(y, 2)->data, (double[]){0, 1, 10, 11, 20, 21, 30, 31}, 8, 0);
    /* two output channels take channel groups 0..3 and 4..7 */
    nb_tensor *x8 = nb_from_data(NB_SHAPE(1, 8, 1, 1), (nb_real[]){0, 1, 2, 3, 4, 5, 6, 7});
    tu_assert_close(nb_depth_to_space(x8, 2)->data, (double[]){0, 1, 2, 3, 4, 5, 6, 7}, 8, 0);
    /* space_to_depth of a 4x4 plane 0..15, block 2: channel i*2+j = pixels (2h+i, 2w+j) */
    nb_tensor *sp = nb_tensor_new(NB_SHAPE(1, 1, 4, 4));
    for (int i = 0; i < 16; i++) sp->data[i] = (nb_real)i;
    tu_assert_close(nb_space_to_depth(sp, 2)->data,
                    (double[]){0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15}, 16, 0);
    /* a round trip on an odd, batched shape is exact */
    nb_tensor *r = gc_uniform(NB_SHAPE(3, 18, 3, 5), -1, 1);
    nb_tensor *back = nb_space_to_depth(nb_depth_to_space(r, 3), 3);
    assert_memory_equal(back->data, r->data, (size_t)r->numel * sizeof(nb_real));
    TU_NO_ERROR();
}

/* Large enough for several parallel chunks: the same bits on 1 and 2 threads,
 * including the sums where overlapping windows meet. */
static void test_pools_thread_count_invariant(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(gc_uniform(NB_SHAPE(4, 16, 33, 33), -1, 1), true), *g[2][3];
    int prev = nb_num_threads();
    for (int t = 0; t < 2; t++) {
        nb_set_num_threads(t + 1);
        nb_tensor *y[3] = {nb_avg_pool2d(x, 3, 2), nb_max_pool2d(x, 3, 1), nb_upsample_nearest2d(x, 2)};
        for (int k = 0; k < 3; k++) assert_int_equal(nb_grad(1, &y[k], &y[k], 1, &x, &g[t][k], false), 0);
    }
    nb_set_num_threads(prev);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(g[0][k]->data, g[1][k]->data, (size_t)x->numel * sizeof(nb_real));
    TU_NO_ERROR();
}

static void test_pool_errors(void **s) {
    (void)s;
    nb_tensor *x = nb_zeros(NB_SHAPE(1, 5, 3, 4)), *flat = nb_zeros(NB_SHAPE(3, 4));
    expect_failure(nb_avg_pool2d(flat, 2, 2), "avg_pool2d: input [3,4] must be [N,C,H,W]");
    expect_failure(nb_max_pool2d(x, 4, 1), "max_pool2d: kernel 4 does not fit input [1,5,3,4]");
    expect_failure(nb_avg_pool2d(x, 2, 0), "avg_pool2d: kernel 2 and stride 0 must be >= 1");
    expect_failure(nb_max_pool2d(x, 0, 1), "max_pool2d: kernel 0 and stride 1 must be >= 1");
    expect_failure(nb_upsample_nearest2d(flat, 2), "upsample_nearest2d: input [3,4] must be [N,C,H,W]");
    expect_failure(nb_upsample_nearest2d(x, 0), "upsample_nearest2d: scale 0 must be >= 1");
    expect_failure(nb_depth_to_space(x, 2),
                   "depth_to_space: input [1,5,3,4] has 5 channels, not a multiple of 4 (block 2)");
    expect_failure(nb_depth_to_space(flat, 2), "depth_to_space: input [3,4] must be [N,C,H,W]");
    expect_failure(nb_depth_to_space(x, 0), "depth_to_space: block 0 must be >= 1");
    expect_failure(nb_space_to_depth(x, 2),
                   "space_to_depth: input [1,5,3,4]: height and width must be multiples of block 2");
    expect_failure(nb_space_to_depth(x, -1), "space_to_depth: block -1 must be >= 1");
    expect_failure(nb_max_pool2d(NULL, 2, 2), "NULL tensor");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_pool_gradients),
        TU_TEST(test_resample_gradients),
        TU_TEST(test_pools_inside_nonlinear_functions),
        TU_TEST(test_upsample_and_avg_pool_values),
        TU_TEST(test_max_pool_values_and_routing),
        TU_TEST(test_depth_space_values),
        TU_TEST(test_pools_thread_count_invariant),
        TU_TEST(test_pool_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
