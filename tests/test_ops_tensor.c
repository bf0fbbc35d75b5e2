/* test_ops_tensor.c — gradient checks (both orders) and forward values of the
 * reductions, shape ops, matmul/linear (also cut into panels), losses and the
 * per-sample norm. */
#include <math.h>
#include "test_util.h"

typedef struct {
    int n_dims;
    int dims[4];
    bool keepdim;
    int64_t shape[4];
    int ndim;
    bool ta, tb;
} args;

static nb_tensor *f_sum_dims(nb_tensor **x, void *c) {
    args *a = c;
    return nb_sum_dims(x[0], a->n_dims, a->dims, a->keepdim);
}
static nb_tensor *f_mean_dims(nb_tensor **x, void *c) {
    args *a = c;
    return nb_mean_dims(x[0], a->n_dims, a->dims, a->keepdim);
}
static nb_tensor *f_sum(nb_tensor **x, void *c) { (void)c; return nb_sum(x[0]); }
static nb_tensor *f_mean(nb_tensor **x, void *c) { (void)c; return nb_mean(x[0]); }
static nb_tensor *f_expand(nb_tensor **x, void *c) {
    args *a = c;
    return nb_expand(x[0], a->ndim, a->shape);
}
static nb_tensor *f_sum_to(nb_tensor **x, void *c) {
    args *a = c;
    return nb_sum_to(x[0], a->ndim, a->shape);
}

static void test_reduction_gradients(void **s) {
    (void)s;
    nb_tensor *x = gc_uniform(NB_SHAPE(2, 3, 2, 2), -1, 1);
    args cases[] = {
        {.n_dims = 1, .dims = {0}, .keepdim = false}, {.n_dims = 1, .dims = {1}, .keepdim = true},  {.n_dims = 2, .dims = {0, 2}, .keepdim = false}, {.n_dims = 3, .dims = {0, 2, 3}, .keepdim = true},
        {.n_dims = 1, .dims = {-1}, .keepdim = false}, {.n_dims = 4, .dims = {0, 1, 2, 3}, .keepdim = false}, {.n_dims = 2, .dims = {1, 3}, .keepdim = true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gc_check("sum_dims", f_sum_dims, 1, &x, &cases[i]);
        gc_check("mean_dims", f_mean_dims, 1, &x, &cases[i]);
    }
    gc_check("sum", f_sum, 1, &x, NULL);
    gc_check("mean", f_mean, 1, &x, NULL);
    nb_tensor *c = gc_uniform(NB_SHAPE(1, 3, 1, 1), -1, 1);
    args ex = {.ndim = 4, .shape = {2, 3, 2, 2}};
    gc_check("expand [1,3,1,1]->[2,3,2,2]", f_expand, 1, &c, &ex);
    nb_tensor *r = gc_uniform(NB_SHAPE(3), -1, 1);
    args ex2 = {.ndim = 3, .shape = {2, 2, 3}};
    gc_check("expand [3]->[2,2,3]", f_expand, 1, &r, &ex2);
    args st = {.ndim = 2, .shape = {3, 1}};
    nb_tensor *big = gc_uniform(NB_SHAPE(2, 3, 4), -1, 1);
    gc_check("sum_to [2,3,4]->[3,1]", f_sum_to, 1, &big, &st);
    TU_NO_ERROR();
}

static void test_reduction_values(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(2, 3), (nb_real[]){1, 2, 3, 4, 5, 6});
    tu_assert_close(nb_sum(x)->data, (double[]){21}, 1, 0);
    tu_assert_close(nb_mean(x)->data, (double[]){3.5}, 1, 1e-6);
    nb_tensor *s0 = nb_sum_dims(x, 1, (int[]){0}, false);
    assert_int_equal(s0->ndim, 1);
    tu_assert_close(s0->data, (double[]){5, 7, 9}, 3, 0);
    nb_tensor *s1 = nb_sum_dims(x, 1, (int[]){1}, true);
    assert_int_equal(s1->ndim, 2);
    assert_int_equal(s1->shape[1], 1);
    tu_assert_close(s1->data, (double[]){6, 15}, 2, 0);
    nb_tensor *e = nb_expand(nb_from_data(NB_SHAPE(2, 1), (nb_real[]){1, 2}), NB_SHAPE(2, 3));
    tu_assert_close(e->data, (double[]){1, 1, 1, 2, 2, 2}, 6, 0);
    /* a large full sum (several chunks) is exact on integers */
    nb_tensor *big = nb_ones(NB_SHAPE(100000));
    tu_assert_close(nb_sum(big)->data, (double[]){100000}, 1, 0);
    TU_NO_ERROR();
}

static nb_tensor *f_reshape(nb_tensor **x, void *c) { (void)c; return nb_reshape(x[0], NB_SHAPE(3, -1)); }
static nb_tensor *f_flatten(nb_tensor **x, void *c) { (void)c; return nb_flatten(x[0]); }
static nb_tensor *f_slice0(nb_tensor **x, void *c) { (void)c; return nb_slice(x[0], 0, 1, 3); }
static nb_tensor *f_slice1(nb_tensor **x, void *c) { (void)c; return nb_slice(x[0], 1, 1, 2); }
static nb_tensor *f_pad(nb_tensor **x, void *c) { (void)c; return nb_pad_slice(x[0], -1, 1, 5); }
static nb_tensor *f_concat(nb_tensor **x, void *c) { (void)c; return nb_concat(2, x, 1); }
static nb_tensor *f_concat5(nb_tensor **x, void *c) {
    (void)c;
    nb_tensor *xs[5] = {x[0], x[1], x[0], x[1], x[0]};
    return nb_concat(5, xs, 0);
}
static nb_tensor *f_transpose(nb_tensor **x, void *c) { (void)c; return nb_transpose(x[0]); }

static void test_shape_gradients(void **s) {
    (void)s;
    nb_tensor *x = gc_uniform(NB_SHAPE(4, 3, 2), -1, 1);
    gc_check("reshape", f_reshape, 1, &x, NULL);
    gc_check("flatten", f_flatten, 1, &x, NULL);
    gc_check("slice dim 0", f_slice0, 1, &x, NULL);
    gc_check("slice dim 1", f_slice1, 1, &x, NULL);
    gc_check("pad_slice", f_pad, 1, &x, NULL);
    nb_tensor *pair[2] = {gc_uniform(NB_SHAPE(2, 3), -1, 1), gc_uniform(NB_SHAPE(2, 2), -1, 1)};
    gc_check("concat", f_concat, 2, pair, NULL);
    nb_tensor *rows[2] = {gc_uniform(NB_SHAPE(1, 3), -1, 1), gc_uniform(NB_SHAPE(2, 3), -1, 1)};
    gc_check("concat of 5", f_concat5, 2, rows, NULL);
    nb_tensor *m = gc_uniform(NB_SHAPE(3, 5), -1, 1);
    gc_check("transpose", f_transpose, 1, &m, NULL);
    TU_NO_ERROR();
}

static void test_shape_values_and_views(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(3, 2), (nb_real[]){1, 2, 3, 4, 5, 6});
    nb_tensor *v = nb_slice(x, 0, 1, 3);
    assert_ptr_equal(v->data, x->data + 2); /* batch slices share data */
    assert_ptr_equal(nb_reshape(x, NB_SHAPE(6))->data, x->data);
    tu_assert_close(nb_slice(x, 1, 1, 2)->data, (double[]){2, 4, 6}, 3, 0);
    tu_assert_close(nb_transpose(x)->data, (double[]){1, 3, 5, 2, 4, 6}, 6, 0);
    nb_tensor *c = nb_concat(2, (nb_tensor *[]){x, x}, 1);
    tu_assert_close(c->data, (double[]){1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6}, 12, 0);
    assert_null(nb_reshape(x, NB_SHAPE(4, 2)));
    tu_expect_error("reshape: cannot view [3,2] as [4,2]");
    assert_null(nb_slice(x, 0, 2, 5));
    tu_expect_error("slice: [2, 5) out of range");
    assert_null(nb_concat(2, (nb_tensor *[]){x, nb_zeros(NB_SHAPE(2, 2))}, 1));
    tu_expect_error("concat: [3,2] and [2,2] differ outside dim 1");
}

static nb_tensor *f_matmul(nb_tensor **x, void *c) {
    args *a = c;
    return nb_matmul_t(x[0], x[1], a->ta, a->tb);
}
static nb_tensor *f_linear(nb_tensor **x, void *c) { (void)c; return nb_linear(x[0], x[1], x[2]); }
static nb_tensor *f_linear3d(nb_tensor **x, void *c) { (void)c; return nb_linear(x[0], x[1], NULL); }

static void test_matmul_linear_gradients(void **s) {
    (void)s;
    for (int t = 0; t < 4; t++) {
        args a = {.ta = t & 1, .tb = t >> 1};
        nb_tensor *x[2] = {a.ta ? gc_uniform(NB_SHAPE(4, 3), -1, 1) : gc_uniform(NB_SHAPE(3, 4), -1, 1),
                           a.tb ? gc_uniform(NB_SHAPE(2, 4), -1, 1) : gc_uniform(NB_SHAPE(4, 2), -1, 1)};
        gc_check("matmul", f_matmul, 2, x, &a);
    }
    nb_tensor *l[3] = {gc_uniform(NB_SHAPE(5, 3), -1, 1), gc_uniform(NB_SHAPE(4, 3), -1, 1),
                       gc_uniform(NB_SHAPE(4), -1, 1)};
    gc_check("linear", f_linear, 3, l, NULL);
    nb_tensor *l3[2] = {gc_uniform(NB_SHAPE(2, 2, 3), -1, 1), gc_uniform(NB_SHAPE(4, 3), -1, 1)};
    gc_check("linear on [2,2,3]", f_linear3d, 2, l3, NULL);
    TU_NO_ERROR();
}

static void test_matmul_values_and_errors(void **s) {
    (void)s;
    nb_tensor *a = nb_from_data(NB_SHAPE(2, 2), (nb_real[]){1, 2, 3, 4});
    nb_tensor *b = nb_from_data(NB_SHAPE(2, 2), (nb_real[]){5, 6, 7, 8});
    tu_assert_close(nb_matmul(a, b)->data, (double[]){19, 22, 43, 50}, 4, 1e-6);
    tu_assert_close(nb_matmul_t(a, b, true, false)->data, (double[]){26, 30, 38, 44}, 4, 1e-6);
    tu_assert_close(nb_matmul_t(a, b, false, true)->data, (double[]){17, 23, 39, 53}, 4, 1e-6);
    assert_null(nb_matmul(nb_zeros(NB_SHAPE(32, 100)), nb_zeros(NB_SHAPE(64, 128))));
    tu_expect_error("matmul: [32,100] x [64,128]: inner dims differ");
    assert_null(nb_linear(nb_zeros(NB_SHAPE(2, 3)), nb_zeros(NB_SHAPE(4, 5)), NULL));
    tu_expect_error("linear: input [2,3] does not fit weight [4,5]");
}

/* Products large enough for nb_gemm to cut C into panels (core/parallel.c), by
 * rows (m > n) and by columns, with every transpose: against the sum written
 * out in double, and the same bits on 1, 2 and 3 threads. */
static void test_matmul_panels(void **s) {
    (void)s;
    const int64_t shapes[][3] = {{300, 90, 70}, {90, 300, 70}};
    int prev = nb_num_threads();
    for (int sh = 0; sh < 2; sh++)
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t >> 1;
            int64_t m = shapes[sh][0], n = shapes[sh][1], k = shapes[sh][2];
            nb_tensor *a = ta ? nb_uniform(NB_SHAPE(k, m), -1, 1) : nb_uniform(NB_SHAPE(m, k), -1, 1);
            nb_tensor *b = tb ? nb_uniform(NB_SHAPE(n, k), -1, 1) : nb_uniform(NB_SHAPE(k, n), -1, 1);
            double *want = test_malloc((size_t)(m * n) * sizeof *want);
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) {
                    double sum = 0;
                    for (int64_t q = 0; q < k; q++)
                        sum += (double)(ta ? a->data[q * m + i] : a->data[i * k + q]) *
                               (double)(tb ? b->data[j * k + q] : b->data[q * n + j]);
                    want[i * n + j] = sum;
                }
            nb_set_num_threads(2);
            nb_tensor *c2 = nb_matmul_t(a, b, ta, tb);
            tu_assert_close(c2->data, want, m * n, 1e-4);
            for (int threads = 1; threads <= 3; threads += 2) {
                nb_set_num_threads(threads);
                assert_memory_equal(nb_matmul_t(a, b, ta, tb)->data, c2->data, (size_t)(m * n) * sizeof(nb_real));
            }
            test_free(want);
        }
    nb_set_num_threads(prev);
    TU_NO_ERROR();
}

static nb_tensor *f_mse(nb_tensor **x, void *c) { (void)c; return nb_mse_loss(x[0], x[1]); }
static nb_tensor *f_l1(nb_tensor **x, void *c) { (void)c; return nb_l1_loss(x[0], x[1]); }
static nb_tensor *f_norm(nb_tensor **x, void *c) { (void)c; return nb_norm_per_sample(x[0]); }

static void test_loss_and_norm_gradients(void **s) {
    (void)s;
    nb_tensor *x[2] = {gc_uniform(NB_SHAPE(3, 4), -1, 1), gc_uniform(NB_SHAPE(3, 4), -1, 1)};
    gc_check("mse_loss", f_mse, 2, x, NULL);
    /* l1: keep |a - b| away from 0 */
    nb_tensor *y[2] = {gc_away_from_zero(NB_SHAPE(3, 4), 0.2, 1), nb_zeros(NB_SHAPE(3, 4))};
    for (int64_t i = 0; i < 12; i++) y[1]->data[i] = (nb_real)(0.05 * (double)(i % 3));
    gc_check("l1_loss", f_l1, 2, y, NULL);
    nb_tensor *z = gc_uniform(NB_SHAPE(3, 2, 2, 2), 0.2, 1);
    gc_check("norm_per_sample", f_norm, 1, &z, NULL);
    nb_tensor *n = nb_norm_per_sample(nb_from_data(NB_SHAPE(2, 2), (nb_real[]){3, 4, 6, 8}));
    tu_assert_close(n->data, (double[]){5, 10}, 2, 1e-6);
    tu_assert_close(nb_mse_loss(x[0], x[0])->data, (double[]){0}, 1, 0);
    assert_null(nb_mse_loss(x[0], z));
    tu_expect_error("mse_loss: [3,4] and [3,2,2,2] differ");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_reduction_gradients),   TU_TEST(test_reduction_values),
        TU_TEST(test_shape_gradients),       TU_TEST(test_shape_values_and_views),
        TU_TEST(test_matmul_linear_gradients), TU_TEST(test_matmul_values_and_errors),
        TU_TEST(test_matmul_panels),
        TU_TEST(test_loss_and_norm_gradients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
