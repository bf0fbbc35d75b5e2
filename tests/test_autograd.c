/* test_autograd.c — the tape itself: accumulation into leaves, the functional
 * grad with and without create_graph, no-grad mode, pruning of unneeded
 * branches, error propagation, arenas, determinism, and two end-to-end checks:
 * an MLP that learns a toy regression and the WGAN-GP gradient penalty of an
 * MLP critic, whose gradient wrt the critic's weights needs double backward. */
#include <math.h>
#include <string.h>
#include "nb_internal.h"
#include "test_util.h"

static void test_backward_accumulates_into_leaves(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(nb_from_data(NB_SHAPE(2), (nb_real[]){1, 2}), true);
    nb_tensor *w = nb_requires_grad(nb_from_data(NB_SHAPE(2), (nb_real[]){3, 4}), true);
    nb_tensor *c = nb_from_data(NB_SHAPE(2), (nb_real[]){5, 6}); /* no grad */
    /* L = sum(x*w + x*x + c) : dL/dx = w + 2x, dL/dw = x */
    nb_tensor *L = nb_sum(nb_add(nb_add(nb_mul(x, w), nb_mul(x, x)), c));
    assert_int_equal(nb_backward(L), 0);
    tu_assert_close(x->grad->data, (double[]){5, 8}, 2, 1e-6);
    tu_assert_close(w->grad->data, (double[]){1, 2}, 2, 1e-6);
    assert_null(c->grad);
    assert_int_equal(nb_backward(nb_sum(nb_mul(x, w))), 0); /* accumulates */
    tu_assert_close(x->grad->data, (double[]){8, 12}, 2, 1e-6);
    nb_zero_grad(x);
    tu_assert_close(x->grad->data, (double[]){0, 0}, 2, 0);
    TU_NO_ERROR();
}

static void test_grad_functional_and_create_graph(void **s) {
    (void)s;
    /* y = x^3: dy/dx = 3x^2, d2y/dx2 = 6x, d3y/dx3 = 6 */
    nb_tensor *x = nb_requires_grad(nb_from_data(NB_SHAPE(1), (nb_real[]){2}), true);
    nb_tensor *y = nb_pow(x, 3), *g1, *g2, *g3;
    assert_int_equal(nb_grad(1, &y, NULL, 1, &x, &g1, true), 0);
    tu_assert_close(g1->data, (double[]){12}, 1, 1e-9);
    assert_true(g1->requires_grad);
    assert_int_equal(nb_grad(1, &g1, NULL, 1, &x, &g2, true), 0);
    tu_assert_close(g2->data, (double[]){12}, 1, 1e-9);
    assert_int_equal(nb_grad(1, &g2, NULL, 1, &x, &g3, false), 0);
    tu_assert_close(g3->data, (double[]){6}, 1, 1e-9);
    assert_false(g3->requires_grad);
    assert_null(x->grad); /* the functional form leaves .grad alone */
    /* an input the output does not reach gets zeros */
    nb_tensor *z = nb_requires_grad(nb_zeros(NB_SHAPE(3)), true), *gz;
    assert_int_equal(nb_grad(1, &y, NULL, 1, &z, &gz, false), 0);
    tu_assert_close(gz->data, (double[]){0, 0, 0}, 3, 0);
    TU_NO_ERROR();
}

static void test_no_grad_records_nothing(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(nb_ones(NB_SHAPE(4)), true);
    bool prev = nb_set_grad_enabled(false);
    nb_tensor *y = nb_exp(nb_mul(x, x));
    nb_set_grad_enabled(prev);
    assert_null(y->node);
    assert_false(y->requires_grad);
    nb_tensor *c = nb_exp(nb_ones(NB_SHAPE(4))); /* no input requires grad */
    assert_null(c->node);
    assert_int_equal(nb_backward(nb_sum(y)), -1);
    tu_expect_error("does not require grad");
}

static void test_only_needed_branches_run(void **s) {
    (void)s;
    nb_tensor *x = nb_requires_grad(nb_ones(NB_SHAPE(2, 2)), true);
    nb_tensor *w = nb_requires_grad(nb_ones(NB_SHAPE(2, 2)), true);
    /* L = sum(tanh(x) * exp(exp(w))): asking only for x must not run w's exps */
    nb_tensor *L = nb_sum(nb_mul(nb_tanh(x), nb_exp(nb_exp(w)))), *g;
    assert_int_equal(nb_grad(1, &L, NULL, 1, &x, &g, false), 0);
    assert_int_equal(nb_vjp_count, 3); /* sum, mul, tanh */
    assert_int_equal(nb_grad(1, &L, NULL, 1, &w, &g, false), 0);
    assert_int_equal(nb_vjp_count, 4); /* sum, mul, exp, exp */
    TU_NO_ERROR();
}

static void test_errors_propagate_and_name_shapes(void **s) {
    (void)s;
    nb_tensor *a = nb_ones(NB_SHAPE(32, 100)), *b = nb_ones(NB_SHAPE(64, 128));
    nb_tensor *y = nb_tanh(nb_add_scalar(nb_matmul(a, b), 1)); /* fails in matmul */
    assert_null(y);
    assert_null(nb_sum(nb_relu(y)));
    tu_expect_error("matmul: [32,100] x [64,128]: inner dims differ"); /* the first error is kept */
    assert_int_equal(nb_backward(NULL), -1);
    tu_expect_error("NULL tensor");
    nb_tensor *v = nb_requires_grad(nb_ones(NB_SHAPE(3)), true);
    assert_int_equal(nb_backward(nb_exp(v)), -1);
    tu_expect_error("backward: loss must have one element, has shape [3]");
    assert_null(nb_requires_grad(nb_exp(v), true));
    tu_expect_error("only leaves");
    assert_null(nb_tensor_new(NB_SHAPE(1, 2, 3, 4, 5, 6, 7)));
    tu_expect_error("7 dims");
}

static void test_arena_reset_releases_a_step(void **s) {
    nb_arena *params = nb_arena_new(), *step = *s;
    nb_arena *prev = nb_arena_use(params);
    nb_tensor *w = nb_requires_grad(nb_normal(NB_SHAPE(64, 64), 0, 1), true);
    nb_arena_use(step);
    size_t before = nb_arena_bytes(step);
    for (int i = 0; i < 3; i++) {
        nb_tensor *L = nb_sum(nb_tanh(nb_matmul(w, w)));
        assert_int_equal(nb_backward(L), 0);
        assert_true(nb_arena_bytes(step) > before);
        nb_arena_reset(step);
        assert_true(nb_arena_bytes(step) <= 64 * 1024 + 64);
    }
    assert_ptr_equal(w->grad->arena, params); /* grads live with their leaf */
    nb_arena_use(prev);
    nb_arena_free(params);
    TU_NO_ERROR();
}

/* A reset keeps the step's buffers for the next step's tensors of the same
 * size (core/arena.c): the same shapes get the same memory back, others new. */
static void test_arena_recycles_buffers_of_a_step(void **s) {
    (void)s;
    nb_arena *a = nb_arena_new(), *prev = nb_arena_use(a);
    nb_tensor *big = nb_zeros(NB_SHAPE(512, 512)), *mid = nb_zeros(NB_SHAPE(100, 100));
    nb_real *big_data = big->data, *mid_data = mid->data;
    for (int step = 0; step < 3; step++) {
        nb_arena_reset(a);
        assert_true(nb_arena_bytes(a) <= 64 * 1024 + 64);
        nb_tensor *m2 = nb_ones(NB_SHAPE(100, 100)), *b2 = nb_ones(NB_SHAPE(512, 512));
        nb_tensor *other = nb_ones(NB_SHAPE(300, 300));
        assert_ptr_equal(m2->data, mid_data);
        assert_ptr_equal(b2->data, big_data);
        assert_ptr_not_equal(other->data, big_data);
        assert_ptr_not_equal(other->data, mid_data);
        assert_true(b2->data[512 * 512 - 1] == 1 && m2->data[0] == 1); /* written afresh */
    }
    nb_arena_use(prev);
    nb_arena_free(a);
    TU_NO_ERROR();
}

static void test_rng_is_deterministic(void **s) {
    (void)s;
    nb_seed(7);
    nb_tensor *a = nb_normal(NB_SHAPE(1000), 0, 1);
    nb_seed(7);
    nb_tensor *b = nb_normal(NB_SHAPE(1000), 0, 1);
    assert_memory_equal(a->data, b->data, 1000 * sizeof(nb_real));
    double mean = nb_mean(a)->data[0], var = nb_mean(nb_square(nb_add_scalar(a, -mean)))->data[0];
    assert_true(fabs(mean) < 0.1 && fabs(var - 1) < 0.1);
    nb_seed(8);
    nb_tensor *c = nb_uniform(NB_SHAPE(1000), -1, 1);
    assert_true(memcmp(a->data, c->data, 1000 * sizeof(nb_real)) != 0);
    for (int i = 0; i < 1000; i++) assert_true(c->data[i] >= -1 && c->data[i] < 1);
}

/* A layer big enough to take the parallel paths, GEMM panels included: the
 * same seed gives the same bits on any thread count (core/parallel.c). */
static void run_layer(int threads, bool with_gemm, nb_real *out) {
    nb_set_num_threads(threads);
    nb_seed(99);
    nb_tensor *w = nb_requires_grad(nb_normal(NB_SHAPE(256, 300), 0, 0.05f), true);
    nb_tensor *x = nb_normal(NB_SHAPE(200, 300), 0, 1), *g;
    nb_tensor *h = with_gemm ? nb_linear(x, w, NULL) : nb_add(nb_slice(x, 0, 0, 1), nb_mul(x, nb_slice(w, 0, 0, 200)));
    nb_tensor *L = nb_mean(nb_square(nb_sum_dims(nb_tanh(h), 1, (int[]){0}, false)));
    assert_int_equal(nb_grad(1, &L, NULL, 1, &w, &g, false), 0);
    for (int64_t i = 0; i < g->numel; i++) out[i] = g->data[i];
    out[g->numel] = L->data[0];
}

static void test_deterministic_on_any_thread_count(void **s) {
    (void)s;
    int64_t n = 256 * 300 + 1;
    nb_tensor *a = nb_tensor_new(NB_SHAPE(n)), *b = nb_tensor_new(NB_SHAPE(n));
    run_layer(2, true, a->data);
    run_layer(2, true, b->data);
    assert_memory_equal(a->data, b->data, (size_t)n * sizeof(nb_real));
    for (int threads = 1; threads <= 3; threads++) {
        run_layer(threads, false, a->data);
        run_layer(2, false, b->data);
        assert_memory_equal(a->data, b->data, (size_t)n * sizeof(nb_real));
        run_layer(threads, true, a->data);
        run_layer(2, true, b->data);
        assert_memory_equal(a->data, b->data, (size_t)n * sizeof(nb_real));
    }
    nb_set_num_threads(2);
    TU_NO_ERROR();
}

/* A 1-16-1 tanh MLP fits y = sin(2x) on [-1, 1] with plain gradient descent. */
static void test_mlp_learns_toy_regression(void **s) {
    nb_arena *params = nb_arena_new(), *step = *s;
    nb_arena_use(params);
    nb_tensor *w1 = nb_requires_grad(nb_normal(NB_SHAPE(16, 1), 0, 1), true);
    nb_tensor *b1 = nb_requires_grad(nb_zeros(NB_SHAPE(16)), true);
    nb_tensor *w2 = nb_requires_grad(nb_normal(NB_SHAPE(1, 16), 0, 0.25), true);
    nb_tensor *b2 = nb_requires_grad(nb_zeros(NB_SHAPE(1)), true);
    nb_tensor *p[4] = {w1, b1, w2, b2};
    nb_tensor *x = nb_tensor_new(NB_SHAPE(64, 1)), *y = nb_tensor_new(NB_SHAPE(64, 1));
    for (int i = 0; i < 64; i++) x->data[i] = (nb_real)(-1 + 2.0 * i / 63), y->data[i] = (nb_real)sin(2 * x->data[i]);
    nb_arena_use(step);
    double first = 0, last = 0;
    for (int it = 0; it < 2000; it++) {
        nb_tensor *pred = nb_linear(nb_tanh(nb_linear(x, w1, b1)), w2, b2);
        nb_tensor *L = nb_mse_loss(pred, y);
        assert_int_equal(nb_backward(L), 0);
        if (it == 0) first = L->data[0];
        last = L->data[0];
        for (int k = 0; k < 4; k++) {
            for (int64_t i = 0; i < p[k]->numel; i++) p[k]->data[i] -= (nb_real)0.2 * p[k]->grad->data[i];
            nb_zero_grad(p[k]);
        }
        nb_arena_reset(step);
    }
    print_message("mlp: loss %.4f -> %.5f\n", first, last);
    assert_true(first > 0.1);
    assert_true(last < 0.005);
    nb_arena_free(params);
    TU_NO_ERROR();
}

/* WGAN-GP: GP(theta) = mean_i (||d D(x_i) / d x_i|| - 1)^2 for a LeakyReLU MLP
 * critic D. Its gradient wrt theta goes through the gradient of D: double
 * backward. The gradcheck differentiates GP wrt the four parameters. */
typedef struct {
    nb_tensor *xhat;
} gp_ctx;

static nb_tensor *gradient_penalty(nb_tensor **w, void *c) {
    gp_ctx *g = c;
    bool prev = nb_set_grad_enabled(true); /* GP needs the tape even when evaluated for differences */
    nb_tensor *h = nb_leaky_relu(nb_linear(g->xhat, w[0], w[1]), 0.2);
    nb_tensor *d = nb_linear(nb_tanh(h), w[2], w[3]), *dx;
    nb_tensor *gp = NULL;
    if (nb_grad(1, &d, NULL, 1, &g->xhat, &dx, true) == 0)
        gp = nb_mean(nb_square(nb_add_scalar(nb_norm_per_sample(dx), -1)));
    nb_set_grad_enabled(prev);
    return gp;
}

static void test_gradient_penalty_mlp_critic(void **s) {
    (void)s;
    gp_ctx c = {nb_requires_grad(gc_uniform(NB_SHAPE(3, 4), -1, 1), true)};
    nb_tensor *w[4] = {gc_uniform(NB_SHAPE(5, 4), -1, 1), gc_uniform(NB_SHAPE(5), -0.5, 0.5),
                       gc_uniform(NB_SHAPE(1, 5), -1, 1), gc_uniform(NB_SHAPE(1), -0.5, 0.5)};
    /* keep pre-activations away from LeakyReLU's kink */
    nb_tensor *pre = nb_linear(c.xhat, w[0], w[1]);
    for (int64_t i = 0; i < pre->numel; i++)
        if (fabs(pre->data[i]) < 0.05) w[1]->data[i % 5] += (nb_real)0.2;
    gc_check("gradient penalty (MLP critic)", gradient_penalty, 4, w, &c);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_backward_accumulates_into_leaves),
        TU_TEST(test_grad_functional_and_create_graph),
        TU_TEST(test_no_grad_records_nothing),
        TU_TEST(test_only_needed_branches_run),
        TU_TEST(test_errors_propagate_and_name_shapes),
        TU_TEST(test_arena_reset_releases_a_step),
        TU_TEST(test_arena_recycles_buffers_of_a_step),
        TU_TEST(test_rng_is_deterministic),
        TU_TEST(test_deterministic_on_any_thread_count),
        TU_TEST(test_mlp_learns_toy_regression),
        TU_TEST(test_gradient_penalty_mlp_critic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
