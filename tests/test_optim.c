/* test_optim.c — Adam, AdamW and SGD against PyTorch's update rules: ten steps
 * on a fixed quadratic against the same rules coded here independently in
 * plain double, and a few steps against values worked out from the formulas;
 * per-parameter state names and resuming from a saved state; frozen and
 * unreached parameters; an MLP trained with Adam; errors. */
#include <math.h>
#include <string.h>
#include "nb_models.h"
#include "nb_optim.h"
#include "test_util.h"

#ifdef NB_DOUBLE
#define TOL 1e-9
#else
#define TOL 2e-5
#endif

/* L = sum_i C_i p_i^2 / 2 + D_i p_i over p = (w1 [2,2], w2 [3]): dL/dp_i = C_i p_i + D_i */
#define N 7
static const double C[N] = {1.0, 0.5, 2.0, 0.1, 3.0, 1.5, 0.8};
static const double D[N] = {0.3, -0.2, 0.0, 1.0, -0.5, 0.25, 0.05};
static const double P0[N] = {0.5, -1.0, 1.5, 2.0, -0.3, 0.8, 0.1};

typedef struct {
    nb_tensor *w[2];
    nb_named_tensors params;
} problem;

static nb_tensor *from_doubles(int ndim, const int64_t *shape, const double *v) {
    nb_tensor *t = nb_tensor_new(ndim, shape);
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (nb_real)v[i];
    return t;
}

static const char *const problem_names[2] = {"w1", "w2"};

static void problem_init(problem *pb) {
    pb->w[0] = nb_requires_grad(from_doubles(NB_SHAPE(2, 2), P0), true);
    pb->w[1] = nb_requires_grad(from_doubles(NB_SHAPE(3), P0 + 4), true);
    pb->params = (nb_named_tensors){2, problem_names, pb->w};
}

static nb_tensor *quadratic(nb_tensor *w, const double *c, const double *d) {
    nb_tensor *ct = from_doubles(w->ndim, w->shape, c), *dt = from_doubles(w->ndim, w->shape, d);
    return nb_sum(nb_add(nb_scale(nb_mul(ct, nb_square(w)), 0.5), nb_mul(dt, w)));
}

static void run(nb_optim *o, problem *pb, int steps) {
    for (int s = 0; s < steps; s++) {
        nb_optim_zero_grad(o);
        nb_tensor *L = nb_add(quadratic(pb->w[0], C, D), quadratic(pb->w[1], C + 4, D + 4));
        assert_int_equal(nb_backward(L), 0);
        assert_int_equal(nb_optim_step(o), 0);
    }
}

/* Ten steps of o end where the reference's ten steps end; frees o. */
static void ten_steps_match(nb_optim *o, problem *pb, const double *want) {
    run(o, pb, 10);
    tu_assert_close(pb->w[0]->data, want, 4, TOL);
    tu_assert_close(pb->w[1]->data, want + 4, 3, TOL);
    assert_int_equal(nb_optim_steps(o), 10);
    nb_optim_free(o);
}

/* ---- the rules, coded independently of the library, from p = P0 ---------------- */

static void ref_adam(double *p, int steps, nb_adam_opts o, bool decoupled) {
    double m[N] = {0}, v[N] = {0};
    memcpy(p, P0, sizeof m);
    for (int t = 1; t <= steps; t++)
        for (int i = 0; i < N; i++) {
            double g = C[i] * p[i] + D[i];
            if (decoupled)
                p[i] -= o.lr * o.weight_decay * p[i];
            else
                g += o.weight_decay * p[i];
            m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
            v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
            double m_hat = m[i] / (1 - pow(o.beta1, t)), v_hat = v[i] / (1 - pow(o.beta2, t));
            p[i] -= o.lr * m_hat / (sqrt(v_hat) + o.eps);
        }
}

static void ref_sgd(double *p, int steps, nb_sgd_opts o) {
    double buf[N] = {0};
    memcpy(p, P0, sizeof buf);
    for (int t = 1; t <= steps; t++)
        for (int i = 0; i < N; i++) {
            double d = C[i] * p[i] + D[i] + o.weight_decay * p[i];
            if (o.momentum != 0) {
                buf[i] = t == 1 ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
                d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
            }
            p[i] -= o.lr * d;
        }
}

static void test_adam_ten_steps_match_reference(void **s) {
    (void)s;
    nb_adam_opts cases[] = {nb_adam_defaults(0.05),
                            {0.02, 0.5, 0.999, 1e-8, 0.1}, /* f-AnoGAN's betas, L2 decay */
                            {0.1, 0.0, 0.9, 1e-3, 0.0}};   /* WGAN-GP's betas, a large eps */
    for (int c = 0; c < 3; c++) {
        problem pb;
        problem_init(&pb);
        double want[N];
        ref_adam(want, 10, cases[c], false);
        ten_steps_match(nb_Adam(&pb.params, cases[c]), &pb, want);
    }
    TU_NO_ERROR();
}

static void test_adamw_ten_steps_match_reference(void **s) {
    (void)s;
    nb_adam_opts cases[] = {{0.05, 0.9, 0.999, 1e-8, 0.01}, {0.1, 0.5, 0.99, 1e-6, 0.3}};
    for (int c = 0; c < 2; c++) {
        problem pb;
        problem_init(&pb);
        double want[N], adam[N];
        ref_adam(want, 10, cases[c], true);
        ref_adam(adam, 10, cases[c], false);
        assert_true(fabs(want[3] - adam[3]) > 1e-3); /* decoupled decay is not L2 here */
        ten_steps_match(nb_AdamW(&pb.params, cases[c]), &pb, want);
    }
    TU_NO_ERROR();
}

static void test_sgd_ten_steps_match_reference(void **s) {
    (void)s;
    nb_sgd_opts cases[] = {{.lr = 0.1},
                           {.lr = 0.05, .momentum = 0.9},
                           {.lr = 0.05, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01},
                           {.lr = 0.05, .momentum = 0.9, .nesterov = true},
                           {.lr = 0.02, .momentum = 0.5, .weight_decay = 0.1, .nesterov = true}};
    for (int c = 0; c < 5; c++) {
        problem pb;
        problem_init(&pb);
        double want[N];
        ref_sgd(want, 10, cases[c]);
        ten_steps_match(nb_SGD(&pb.params, cases[c]), &pb, want);
    }
    TU_NO_ERROR();
}

/* ---- steps worked out from the formulas, p0 = (1, -2), L = sum p^2, g = 2p ---------- */

static nb_tensor *pair(void) { return nb_requires_grad(nb_from_data(NB_SHAPE(2), (nb_real[]){1, -2}), true); }

/* Steps o over p (L = sum p^2) n times, checking p after each step; frees o. */
static void steps_match(nb_optim *o, nb_tensor *p, int n, const double (*want)[2]) {
    for (int k = 0; k < n; k++) {
        nb_optim_zero_grad(o);
        assert_int_equal(nb_backward(nb_sum(nb_square(p))), 0);
        assert_int_equal(nb_optim_step(o), 0);
        tu_assert_close(p->data, want[k], 2, 1e-6);
    }
    nb_optim_free(o);
}

static void test_fixed_steps_from_the_formulas(void **s) {
    (void)s;
    nb_tensor *p = pair();
    nb_named_tensors l = {1, (const char *[]){"p"}, &p};
    /* Adam, lr 0.1, betas (0.9, 0.999), eps 1e-8, L2 0.1. Step 1, p = 1: g = 2 + 0.1 = 2.1,
     * m = 0.21, v = 0.00441, m_hat = 2.1, v_hat = 4.41: p = 1 - 0.1 * 2.1 / (2.1 + 1e-8).
     * Step 2: g = 1.8 + 0.09 = 1.89, m = 0.378, v = 0.00797769, m_hat = 0.378 / 0.19,
     * v_hat = 0.00797769 / 0.001999: p = 0.80041222864... */
    steps_match(nb_Adam(&l, (nb_adam_opts){0.1, 0.9, 0.999, 1e-8, 0.1}), p, 2,
                (double[][2]){{0.90000000047619044, -1.9000000002380952},
                              {0.80041222864319539, -1.8001664860916349}});
    /* AdamW, the same settings: step 1, p = 1 * (1 - 0.01) - 0.1 * 2 / (2 + 1e-8) */
    p = pair();
    steps_match(nb_AdamW(&l, (nb_adam_opts){0.1, 0.9, 0.999, 1e-8, 0.1}), p, 2,
                (double[][2]){{0.89000000049999994, -1.8800000002499999},
                              {0.7815718559365048, -1.7614089505845592}});
    /* SGD, lr 0.1, momentum 0.9, p = 1: b = 2, p = 0.8; b = 1.8 + 1.6 = 3.4, p = 0.46;
     * b = 3.06 + 0.92 = 3.98, p = 0.062 */
    p = pair();
    steps_match(nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .momentum = 0.9}), p, 3,
                (double[][2]){{0.8, -1.6}, {0.46, -0.92}, {0.062, -0.124}});
    /* Nesterov: b = 2, d = 2 + 1.8 = 3.8, p = 0.62; g = 1.24, b = 3.04, d = 1.24 + 2.736, p = 0.2224 */
    p = pair();
    steps_match(nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .momentum = 0.9, .nesterov = true}), p, 2,
                (double[][2]){{0.62, -1.24}, {0.2224, -0.4448}});
    /* dampening 0.5 spares the first step (b = g, as PyTorch clones it): p = 0.8, then
     * b = 1.8 + 0.5 * 1.6 = 2.6, p = 0.54 */
    p = pair();
    steps_match(nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .momentum = 0.9, .dampening = 0.5}), p, 2,
                (double[][2]){{0.8, -1.6}, {0.54, -1.08}});
    TU_NO_ERROR();
}

/* ---- state, checkpoints, freezing ---------------------------------------------------- */

static nb_module *mlp(void) { return NB_SEQUENTIAL(nb_Linear(2, 3, true), nb_Tanh(), nb_Linear(3, 1, true)); }

static void test_state_names(void **s) {
    (void)s;
    nb_module *net = mlp();
    nb_optim *adam = nb_Adam(nb_module_parameters(net), nb_adam_defaults(1e-3));
    nb_optim *sgd = nb_SGD(nb_module_parameters(net), (nb_sgd_opts){.lr = 0.1, .momentum = 0.9});
    nb_optim *plain = nb_SGD(nb_module_parameters(net), (nb_sgd_opts){.lr = 0.1});
    const nb_named_tensors *st = nb_optim_state(adam);
    assert_int_equal(st->n, 12);
    const char *want[] = {"state.0.weight.step", "state.0.weight.exp_avg", "state.0.weight.exp_avg_sq",
                          "state.0.bias.step", "state.0.bias.exp_avg", "state.0.bias.exp_avg_sq",
                          "state.2.weight.step"};
    for (int i = 0; i < 7; i++) assert_string_equal(st->names[i], want[i]);
    assert_string_equal(st->names[11], "state.2.bias.exp_avg_sq");
    assert_int_equal(st->tensors[0]->ndim, 0);
    assert_true(nb_same_shape(st->tensors[1], nb_module_param(nb_module_child_at(net, 0), "weight")));
    assert_int_equal(nb_optim_state(sgd)->n, 8);
    assert_string_equal(nb_optim_state(sgd)->names[1], "state.0.weight.momentum_buffer");
    assert_int_equal(nb_optim_state(plain)->n, 4);
    assert_string_equal(nb_optim_state(plain)->names[3], "state.2.bias.step");
    nb_optim_free(adam);
    nb_optim_free(sgd);
    nb_optim_free(plain);
    nb_module_free(net);
    TU_NO_ERROR();
}

static void train(nb_module *net, nb_optim *o, nb_tensor *x, nb_tensor *y, int steps) {
    for (int i = 0; i < steps; i++) {
        nb_optim_zero_grad(o);
        assert_int_equal(nb_backward(nb_mse_loss(nb_forward(net, x), y)), 0);
        assert_int_equal(nb_optim_step(o), 0);
    }
}

/* Saving the model's state dict and the optimizer's state and loading both into a
 * fresh pair continues training exactly where it stopped. */
static void test_resume_from_saved_state(void **s) {
    (void)s;
    nb_tensor *x = nb_uniform(NB_SHAPE(8, 2), -1, 1), *y = nb_uniform(NB_SHAPE(8, 1), -1, 1);
    nb_module *a = mlp(), *b = mlp();
    nb_optim *oa = nb_Adam(nb_module_parameters(a), (nb_adam_opts){0.05, 0.5, 0.999, 1e-8, 0.01});
    nb_optim *ob = nb_Adam(nb_module_parameters(b), (nb_adam_opts){0.05, 0.5, 0.999, 1e-8, 0.01});
    train(a, oa, x, y, 5);
    const nb_named_tensors *ma = nb_module_state_dict(a), *sa = nb_optim_state(oa);
    assert_int_equal(nb_named_load(nb_module_state_dict(b), ma->n, ma->names, ma->tensors, true), 0);
    assert_int_equal(nb_named_load(nb_optim_state(ob), sa->n, sa->names, sa->tensors, true), 0);
    assert_int_equal(nb_optim_steps(ob), 5);
    train(a, oa, x, y, 5);
    train(b, ob, x, y, 5);
    const nb_named_tensors *pa = nb_module_parameters(a), *pb = nb_module_parameters(b);
    for (int i = 0; i < pa->n; i++)
        assert_memory_equal(pa->tensors[i]->data, pb->tensors[i]->data,
                            (size_t)pa->tensors[i]->numel * sizeof(nb_real));
    assert_int_equal(nb_optim_steps(ob), 10);
    nb_optim_free(oa);
    nb_optim_free(ob);
    nb_module_free(a);
    nb_module_free(b);
    TU_NO_ERROR();
}

static void test_frozen_and_unreached_parameters_are_skipped(void **s) {
    (void)s;
    nb_tensor *x = nb_uniform(NB_SHAPE(8, 2), -1, 1), *y = nb_uniform(NB_SHAPE(8, 1), -1, 1);
    nb_module *net = mlp();
    nb_optim *o = nb_Adam(nb_module_parameters(net), nb_adam_defaults(0.01));
    const nb_named_tensors *p = nb_module_parameters(net), *st = nb_optim_state(o);
    train(net, o, x, y, 1); /* every parameter has a .grad now */
    nb_tensor *w0 = nb_clone(p->tensors[0]), *w2 = nb_clone(p->tensors[2]);
    nb_module_requires_grad(nb_module_child_at(net, 0), false);
    train(net, o, x, y, 3);
    assert_memory_equal(p->tensors[0]->data, w0->data, 6 * sizeof(nb_real)); /* frozen: kept */
    assert_true(memcmp(p->tensors[2]->data, w2->data, 3 * sizeof(nb_real)) != 0);
    assert_true(nb_named_find(st, "state.0.weight.step")->data[0] == 1);
    assert_true(nb_named_find(st, "state.2.weight.step")->data[0] == 4);
    tu_assert_close(p->tensors[0]->grad->data, (double[]){0, 0, 0, 0, 0, 0}, 6, 0); /* zeroed, not grown */
    /* a parameter that requires grad but never got a gradient is left as well */
    nb_tensor *used = nb_requires_grad(nb_ones(NB_SHAPE(2)), true), *unused = nb_requires_grad(nb_ones(NB_SHAPE(2)), true);
    nb_named_tensors l = {2, (const char *[]){"used", "unused"}, (nb_tensor *[]){used, unused}};
    nb_optim *sgd = nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .momentum = 0.9});
    assert_int_equal(nb_backward(nb_sum(used)), 0);
    assert_int_equal(nb_optim_step(sgd), 0);
    tu_assert_close(used->data, (double[]){0.9, 0.9}, 2, 1e-6);
    tu_assert_close(unused->data, (double[]){1, 1}, 2, 0);
    assert_true(nb_optim_state(sgd)->tensors[2]->data[0] == 0); /* "state.unused.step" */
    nb_optim_free(sgd);
    nb_optim_free(o);
    nb_module_free(net);
    TU_NO_ERROR();
}

/* A Sequential(Linear(1, 16), Tanh, Linear(16, 1)) fits y = sin(2x) on [-1, 1] with Adam. */
static void test_mlp_trains_with_adam(void **s) {
    nb_arena *step = *s;
    nb_module *net = NB_SEQUENTIAL(nb_Linear(1, 16, true), nb_Tanh(), nb_Linear(16, 1, true));
    nb_optim *o = nb_Adam(nb_module_parameters(net), nb_adam_defaults(0.05));
    nb_arena *data = nb_arena_new(), *prev = nb_arena_use(data);
    nb_tensor *x = nb_tensor_new(NB_SHAPE(64, 1)), *y = nb_tensor_new(NB_SHAPE(64, 1));
    for (int i = 0; i < 64; i++) x->data[i] = (nb_real)(-1 + 2.0 * i / 63), y->data[i] = (nb_real)sin(2 * x->data[i]);
    nb_arena_use(prev);
    double first = 0, last = 0;
    for (int it = 0; it < 1000; it++) {
        nb_optim_zero_grad(o);
        nb_tensor *L = nb_mse_loss(nb_forward(net, x), y);
        assert_int_equal(nb_backward(L), 0);
        assert_int_equal(nb_optim_step(o), 0);
        if (it == 0) first = L->data[0];
        last = L->data[0];
        nb_arena_reset(step);
    }
    print_message("mlp with Adam: loss %.4f -> %.6f\n", first, last);
    assert_true(first > 0.1);
    assert_true(last < 5e-4);
    nb_optim_free(o);
    nb_module_free(net);
    nb_arena_free(data);
    TU_NO_ERROR();
}

static void test_errors(void **s) {
    (void)s;
    nb_tensor *p = pair();
    nb_named_tensors l = {1, (const char *[]){"p"}, &p};
    assert_null(nb_Adam(NULL, nb_adam_defaults(0.1)));
    tu_expect_error("Adam: no parameter list");
    assert_null(nb_Adam(&l, nb_adam_defaults(-1)));
    tu_expect_error("Adam: learning rate -1 must be >= 0");
    assert_null(nb_AdamW(&l, (nb_adam_opts){0.1, 1.0, 0.999, 1e-8, 0}));
    tu_expect_error("AdamW: betas (1, 0.999) must be in [0, 1)");
    assert_null(nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .nesterov = true}));
    tu_expect_error("SGD: Nesterov momentum needs momentum > 0 and zero dampening");
    assert_null(nb_SGD(&l, (nb_sgd_opts){.lr = 0.1, .momentum = -0.5}));
    tu_expect_error("SGD: momentum -0.5");
    nb_named_tensors twice = {2, (const char *[]){"a", "b"}, (nb_tensor *[]){p, p}};
    assert_null(nb_SGD(&twice, (nb_sgd_opts){.lr = 0.1}));
    tu_expect_error("SGD: 'a' and 'b' are the same tensor");
    nb_tensor *op_result = nb_exp(p);
    nb_named_tensors notleaf = {1, (const char *[]){"e"}, &op_result};
    assert_null(nb_SGD(&notleaf, (nb_sgd_opts){.lr = 0.1}));
    tu_expect_error("not a leaf");
    /* a step refuses to run while an error is pending */
    nb_optim *o = nb_SGD(&l, (nb_sgd_opts){.lr = 0.1});
    assert_int_equal(nb_backward(nb_sum(p)), 0);
    nb_error_set("matmul: something failed");
    assert_int_equal(nb_optim_step(o), -1);
    tu_expect_error("matmul: something failed");
    tu_assert_close(p->data, (double[]){1, -2}, 2, 0);
    nb_optim_set_lr(o, -3);
    tu_expect_error("SGD: learning rate -3");
    assert_true(nb_optim_lr(o) == 0.1);
    nb_optim_set_lr(o, 0.5);
    assert_int_equal(nb_optim_step(o), 0);
    tu_assert_close(p->data, (double[]){0.5, -2.5}, 2, 1e-6);
    assert_int_equal(nb_optim_step(NULL), -1);
    tu_expect_error("optim_step: no optimizer");
    nb_optim_free(o);
    nb_optim_free(NULL);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_adam_ten_steps_match_reference),
        TU_TEST(test_adamw_ten_steps_match_reference),
        TU_TEST(test_sgd_ten_steps_match_reference),
        TU_TEST(test_fixed_steps_from_the_formulas),
        TU_TEST(test_state_names),
        TU_TEST(test_resume_from_saved_state),
        TU_TEST(test_frozen_and_unreached_parameters_are_skipped),
        TU_TEST(test_mlp_trains_with_adam),
        TU_TEST(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
