/* test_ops_pointwise.c — first- and second-order gradient checks and forward
 * values of the elementwise ops: unary functions and broadcast binaries. */
#include <math.h>
#include "test_util.h"

typedef struct {
    nb_tensor *(*unary)(nb_tensor *);
    nb_tensor *(*binary)(nb_tensor *, nb_tensor *);
    nb_tensor *(*with_arg)(nb_tensor *, double);
    double arg;
} op_ctx;

static nb_tensor *call_unary(nb_tensor **x, void *c) { return ((op_ctx *)c)->unary(x[0]); }
static nb_tensor *call_binary(nb_tensor **x, void *c) { return ((op_ctx *)c)->binary(x[0], x[1]); }
static nb_tensor *call_arg(nb_tensor **x, void *c) {
    op_ctx *o = c;
    return o->with_arg(x[0], o->arg);
}

static void check_unary(const char *name, nb_tensor *(*f)(nb_tensor *), double lo, double hi, bool signs) {
    nb_tensor *x = signs ? gc_away_from_zero(NB_SHAPE(3, 4), lo, hi) : gc_uniform(NB_SHAPE(3, 4), lo, hi);
    op_ctx c = {.unary = f};
    gc_check(name, call_unary, 1, &x, &c);
}

static void test_unary_gradients(void **s) {
    (void)s;
    check_unary("neg", nb_neg, -2, 2, false);
    check_unary("exp", nb_exp, -2, 2, false);
    check_unary("log", nb_log, 0.5, 3, false);
    check_unary("sqrt", nb_sqrt, 0.5, 3, false);
    check_unary("rsqrt", nb_rsqrt, 0.5, 3, false);
    check_unary("abs", nb_abs, 0.1, 2, true);
    check_unary("square", nb_square, -2, 2, false);
    check_unary("relu", nb_relu, 0.1, 2, true);
    check_unary("tanh", nb_tanh, -2, 2, false);
    check_unary("sigmoid", nb_sigmoid, -3, 3, false);
    TU_NO_ERROR();
}

static void test_scalar_arg_gradients(void **s) {
    (void)s;
    struct { const char *name; nb_tensor *(*f)(nb_tensor *, double); double arg, lo, hi; bool signs; } cases[] = {
        {"scale", nb_scale, -1.5, -2, 2, false},     {"add_scalar", nb_add_scalar, 0.7, -2, 2, false},
        {"pow 3", nb_pow, 3, -2, 2, false},          {"pow -1.5", nb_pow, -1.5, 0.5, 2, false},
        {"pow 0.5", nb_pow, 0.5, 0.5, 2, false},     {"leaky_relu 0.2", nb_leaky_relu, 0.2, 0.1, 2, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_tensor *x = cases[i].signs ? gc_away_from_zero(NB_SHAPE(2, 5), cases[i].lo, cases[i].hi)
                                      : gc_uniform(NB_SHAPE(2, 5), cases[i].lo, cases[i].hi);
        op_ctx c = {.with_arg = cases[i].f, .arg = cases[i].arg};
        gc_check(cases[i].name, call_arg, 1, &x, &c);
    }
    TU_NO_ERROR();
}

static void test_binary_gradients_broadcast(void **s) {
    (void)s;
    /* same shape, row, column, scalar, channel ([1,C,1,1]) and leading-dim broadcasts */
    int64_t shapes[][2][4] = {
        {{2, 3, 1, 1}, {2, 3, 1, 1}}, {{4, 3, 1, 1}, {1, 3, 1, 1}}, {{4, 1, 1, 1}, {4, 3, 1, 1}},
        {{1, 1, 1, 1}, {3, 2, 1, 1}}, {{2, 3, 2, 2}, {1, 3, 1, 1}}, {{2, 1, 3, 1}, {1, 2, 1, 2}},
    };
    struct { const char *name; nb_tensor *(*f)(nb_tensor *, nb_tensor *); } ops[] = {
        {"add", nb_add}, {"sub", nb_sub}, {"mul", nb_mul}, {"div", nb_div}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (size_t o = 0; o < 4; o++) {
            nb_tensor *x[2] = {gc_uniform(4, shapes[k][0], -2, 2), gc_away_from_zero(4, shapes[k][1], 0.5, 2)};
            op_ctx c = {.binary = ops[o].f};
            gc_check(ops[o].name, call_binary, 2, x, &c);
        }
    /* fewer dims on one side: [3] against [2,3] */
    nb_tensor *x[2] = {gc_uniform(NB_SHAPE(2, 3), -1, 1), gc_away_from_zero(NB_SHAPE(3), 0.5, 1)};
    op_ctx c = {.binary = nb_div};
    gc_check("div [2,3]/[3]", call_binary, 2, x, &c);
    TU_NO_ERROR();
}

static void test_forward_values(void **s) {
    (void)s;
    nb_tensor *a = nb_from_data(NB_SHAPE(2, 2), (nb_real[]){1, -2, 3, -4});
    nb_tensor *b = nb_from_data(NB_SHAPE(2), (nb_real[]){10, 20});
    tu_assert_close(nb_add(a, b)->data, (double[]){11, 18, 13, 16}, 4, 0);
    tu_assert_close(nb_sub(a, b)->data, (double[]){-9, -22, -7, -24}, 4, 0);
    tu_assert_close(nb_mul(a, b)->data, (double[]){10, -40, 30, -80}, 4, 0);
    tu_assert_close(nb_div(a, b)->data, (double[]){0.1, -0.1, 0.3, -0.2}, 4, 1e-7);
    tu_assert_close(nb_leaky_relu(a, 0.2)->data, (double[]){1, -0.4, 3, -0.8}, 4, 1e-7);
    tu_assert_close(nb_relu(a)->data, (double[]){1, 0, 3, 0}, 4, 0);
    tu_assert_close(nb_abs(a)->data, (double[]){1, 2, 3, 4}, 4, 0);
    tu_assert_close(nb_pow(nb_abs(a), 2)->data, (double[]){1, 4, 9, 16}, 4, 1e-6);
    tu_assert_close(nb_sigmoid(nb_scalar(0))->data, (double[]){0.5}, 1, 1e-7);
    tu_assert_close(nb_tanh(nb_scalar(1))->data, (double[]){tanh(1.0)}, 1, 1e-7);
    TU_NO_ERROR();
}

static void test_leaky_relu_second_derivative_exact(void **s) {
    (void)s;
    /* d/dx (g * slope(x)) is zero off the kink: the Hessian-vector product of
     * sum(leaky_relu(x)^1) wrt x must be exactly 0, not a finite-difference blur. */
    nb_tensor *x = nb_requires_grad(gc_away_from_zero(NB_SHAPE(8), 0.1, 1), true);
    nb_tensor *y = nb_sum(nb_leaky_relu(x, 0.2)), *g, *gg;
    assert_int_equal(nb_grad(1, &y, NULL, 1, &x, &g, true), 0);
    for (int i = 0; i < 8; i++) assert_true(g->data[i] == (x->data[i] > 0 ? 1 : (nb_real)0.2));
    nb_tensor *m = nb_sum(nb_mul(g, x)); /* depends on x directly and through g */
    assert_int_equal(nb_grad(1, &m, NULL, 1, &x, &gg, false), 0);
    for (int i = 0; i < 8; i++) assert_true(gg->data[i] == g->data[i]);
}

static void test_broadcast_error_names_op_and_shapes(void **s) {
    (void)s;
    nb_tensor *a = nb_zeros(NB_SHAPE(2, 3)), *b = nb_zeros(NB_SHAPE(4));
    assert_null(nb_mul(a, b));
    tu_expect_error("mul: [2,3] and [4] do not broadcast");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_unary_gradients),
        TU_TEST(test_scalar_arg_gradients),
        TU_TEST(test_binary_gradients_broadcast),
        TU_TEST(test_forward_values),
        TU_TEST(test_leaky_relu_second_derivative_exact),
        TU_TEST(test_broadcast_error_names_op_and_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
