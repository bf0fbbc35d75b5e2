/* test_layers.c — the module tree and the layers built on the core ops
 * (Linear, activations, Flatten, Reshape, Sequential): forward values, PyTorch
 * names and order of parameters, buffers and state dicts, loading, train/eval,
 * freezing, initialization, printing, ownership and errors. A user-defined
 * kind ("Scale", with a parameter and a buffer) stands in for the layers with
 * buffers; the convolution and normalization layers are in test_layers_conv.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nb_models.h"
#include "model_checks.h"
#include "test_util.h"

#ifdef NB_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-6
#endif

static void set(nb_tensor *t, const nb_real *v) { memcpy(t->data, v, (size_t)t->numel * sizeof(nb_real)); }

/* Scale: y = x * gain (gain over the last dim, initialized to 2), counting its
 * training-mode calls in a buffer. Also checks that a kind outside the library
 * plugs in the same way as the built-in ones. */
static nb_tensor *scale_forward(nb_module *m, nb_tensor *x) {
    if (m->training) nb_module_buffer(m, "calls")->data[0] += 1;
    return nb_mul(x, nb_module_param(m, "gain"));
}

static void scale_reset(nb_module *m) { nb_init_constant(nb_module_param(m, "gain"), 2); }

static const nb_layer_kind scale_kind = {"Scale", scale_forward, NULL, scale_reset};

static nb_module *Scale(int64_t n) {
    nb_module *m = nb_module_new(&scale_kind, 0);
    nb_module_add_param(m, "gain", NB_SHAPE(n));
    nb_module_add_buffer(m, "calls", 0, NULL);
    return nb_module_ready(m);
}

static void test_linear_forward(void **s) {
    (void)s;
    nb_module *lin = nb_Linear(3, 2, true), *nobias = nb_Linear(3, 2, false);
    set(nb_module_param(lin, "weight"), (nb_real[]){1, 2, 3, 4, 5, 6});
    set(nb_module_param(lin, "bias"), (nb_real[]){0.5, -1});
    nb_tensor *x = nb_from_data(NB_SHAPE(2, 3), (nb_real[]){1, 0, -1, 2, 1, 0});
    /* [1,0,-1].[1,2,3] + 0.5 = -1.5, [1,0,-1].[4,5,6] - 1 = -3, ... */
    nb_tensor *y = nb_forward(lin, x);
    assert_int_equal(y->ndim, 2);
    assert_int_equal(y->shape[1], 2);
    tu_assert_close(y->data, (double[]){-1.5, -3, 4.5, 12}, 4, TOL);
    /* leading dims are kept: [2,1,3] -> [2,1,2] */
    nb_tensor *y3 = nb_forward(lin, nb_reshape(x, NB_SHAPE(2, 1, 3)));
    assert_int_equal(y3->ndim, 3);
    tu_assert_close(y3->data, (double[]){-1.5, -3, 4.5, 12}, 4, TOL);
    assert_null(nb_module_param(nobias, "bias"));
    set(nb_module_param(nobias, "weight"), (nb_real[]){1, 2, 3, 4, 5, 6});
    tu_assert_close(nb_forward(nobias, x)->data, (double[]){-2, -2, 4, 13}, 4, TOL);
    TU_NO_ERROR();
    assert_null(nb_forward(lin, nb_ones(NB_SHAPE(2, 4))));
    tu_expect_error("linear: input [2,4] does not fit weight [2,3]");
    nb_module_free(lin);
    nb_module_free(nobias);
}

/* PyTorch draws the weight, then the bias, both U(-1/sqrt(in), 1/sqrt(in)). */
static void test_linear_default_init(void **s) {
    (void)s;
    nb_seed(5);
    nb_module *lin = nb_Linear(4, 3, true);
    nb_seed(5);
    double want[15];
    for (int i = 0; i < 15; i++) want[i] = -0.5 + nb_rand_uniform();
    tu_assert_close(nb_module_param(lin, "weight")->data, want, 12, TOL);
    tu_assert_close(nb_module_param(lin, "bias")->data, want + 12, 3, TOL);
    nb_module *big = nb_Linear(400, 50, true);
    nb_tensor *w = nb_module_param(big, "weight");
    double most = 0, mean = 0;
    for (int64_t i = 0; i < w->numel; i++) most = fmax(most, fabs(w->data[i])), mean += w->data[i];
    assert_true(most <= 0.05 && most > 0.0499); /* bound 1/sqrt(400), reached */
    assert_true(fabs(mean / (double)w->numel) < 0.001);
    nb_module_free(lin);
    nb_module_free(big);
    TU_NO_ERROR();
}

static void test_fan_in(void **s) {
    (void)s;
    assert_int_equal(nb_fan_in(nb_zeros(NB_SHAPE(3, 4))), 4);
    assert_int_equal(nb_fan_in(nb_zeros(NB_SHAPE(16, 8, 3, 3))), 72);   /* Conv2d(8, 16, 3) */
    assert_int_equal(nb_fan_in(nb_zeros(NB_SHAPE(8, 16, 4, 4))), 256); /* ConvTranspose2d(8, 16, 4) */
    assert_int_equal(nb_fan_in(nb_zeros(NB_SHAPE(5))), 0);
    TU_NO_ERROR();
}

static void test_activation_layers(void **s) {
    (void)s;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 4), (nb_real[]){-2, -0.5, 0, 1.5});
    nb_module *relu = nb_ReLU(), *leaky = nb_LeakyReLU(0.2), *th = nb_Tanh(), *sg = nb_Sigmoid();
    tu_assert_close(nb_forward(relu, x)->data, (double[]){0, 0, 0, 1.5}, 4, 0);
    tu_assert_close(nb_forward(leaky, x)->data, (double[]){-0.4, -0.1, 0, 1.5}, 4, TOL);
    tu_assert_close(nb_forward(th, x)->data, (double[]){tanh(-2), tanh(-0.5), 0, tanh(1.5)}, 4, TOL);
    tu_assert_close(nb_forward(sg, x)->data,
                    (double[]){1 / (1 + exp(2)), 1 / (1 + exp(0.5)), 0.5, 1 / (1 + exp(-1.5))}, 4, TOL);
    nb_module *all[] = {relu, leaky, th, sg};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(nb_module_parameters(all[i])->n, 0);
        nb_module_free(all[i]);
    }
    TU_NO_ERROR();
}

static void test_shape_layers(void **s) {
    (void)s;
    nb_tensor *x = nb_tensor_new(NB_SHAPE(2, 3, 2, 2));
    for (int i = 0; i < 24; i++) x->data[i] = (nb_real)i;
    nb_module *fl = nb_Flatten(), *rs = nb_Reshape(NB_SHAPE(-1, 4)), *back = nb_Reshape(NB_SHAPE(3, 2, 2));
    nb_tensor *f = nb_forward(fl, x), *r = nb_forward(rs, x), *b = nb_forward(back, f);
    assert_int_equal(f->ndim, 2);
    assert_int_equal(f->shape[1], 12);
    assert_ptr_equal(f->data, x->data); /* views */
    assert_int_equal(r->ndim, 3);
    assert_int_equal(r->shape[0], 2);
    assert_int_equal(r->shape[1], 3);
    assert_int_equal(r->shape[2], 4);
    assert_true(nb_same_shape(b, x));
    assert_ptr_equal(b->data, x->data);
    TU_NO_ERROR();
    assert_null(nb_Reshape(NB_SHAPE(-1, -1)));
    tu_expect_error("Reshape: sizes must be positive, with at most one -1");
    assert_null(nb_Reshape(NB_SHAPE(1, 2, 3, 4, 5, 6)));
    tu_expect_error("Reshape: a sample shape of 1 to 5 dims, not 6");
    nb_module *bad = nb_Reshape(NB_SHAPE(5));
    assert_null(nb_forward(bad, x)); /* 12 elements per sample do not make 5 */
    assert_non_null(nb_error());
    nb_error_clear();
    nb_module *all[] = {fl, rs, back, bad};
    for (int i = 0; i < 4; i++) nb_module_free(all[i]);
}

static void test_sequential_forward_and_names(void **s) {
    (void)s;
    nb_module *net = NB_SEQUENTIAL(nb_Linear(2, 4, true), nb_Tanh(), nb_Linear(4, 1, true));
    assert_non_null(net);
    const nb_named_tensors *p = nb_module_parameters(net);
    tu_assert_names(p, 4, (const char *[]){"0.weight", "0.bias", "2.weight", "2.bias"});
    tu_assert_names(nb_module_state_dict(net), 4, (const char *[]){"0.weight", "0.bias", "2.weight", "2.bias"});
    assert_int_equal(nb_module_buffers(net)->n, 0);
    assert_int_equal(nb_module_num_elements(net), 8 + 4 + 4 + 1);
    assert_int_equal(nb_module_num_children(net), 3);
    assert_true(nb_module_is(nb_module_child_at(net, 1), "Tanh"));
    assert_ptr_equal(nb_module_child(net, "2"), nb_module_child_at(net, 2));
    assert_null(nb_module_child(net, "3"));
    nb_module *l0 = nb_module_child_at(net, 0), *l2 = nb_module_child_at(net, 2);
    assert_ptr_equal(p->tensors[0], nb_module_param(l0, "weight"));
    assert_ptr_equal(p->tensors[3], nb_module_param(l2, "bias"));
    /* the forward is the composition, and parameters and grads live in their module's arena */
    nb_tensor *x = nb_from_data(NB_SHAPE(3, 2), (nb_real[]){0.1, -0.2, 0.3, 0.4, -0.5, 0.6});
    nb_tensor *y = nb_forward(net, x);
    nb_tensor *want = nb_linear(nb_tanh(nb_linear(x, p->tensors[0], p->tensors[1])), p->tensors[2], p->tensors[3]);
    assert_int_equal(y->shape[0], 3);
    assert_int_equal(y->shape[1], 1);
    assert_memory_equal(y->data, want->data, 3 * sizeof(nb_real));
    assert_int_equal(nb_backward(nb_sum(y)), 0);
    for (int i = 0; i < 4; i++) {
        assert_non_null(p->tensors[i]->grad);
        assert_ptr_equal(p->tensors[i]->grad->arena, p->tensors[i]->arena);
    }
    assert_ptr_equal(p->tensors[0]->arena, l0->arena);
    assert_true(l0->arena != net->arena && l0->arena != nb_arena_current());
    nb_module_zero_grad(net);
    tu_assert_close(p->tensors[2]->grad->data, (double[]){0, 0, 0, 0}, 4, 0);
    nb_module *empty = nb_Sequential(0, NULL);
    assert_ptr_equal(nb_forward(empty, x), x); /* an empty Sequential is the identity */
    nb_module_free(empty);
    nb_module_free(net);
    TU_NO_ERROR();
}

/* A tree in the shape of f-AnoGAN's generator: named children, nesting, buffers. */
static nb_module *generator_like(void) {
    nb_module *g = nb_Sequential(0, NULL);
    nb_module_add(g, "l1", NB_SEQUENTIAL(nb_Linear(3, 8, true)));
    nb_module_add(g, "view", nb_Reshape(NB_SHAPE(2, 4)));
    nb_module_add(g, "blocks", NB_SEQUENTIAL(Scale(4), nb_Flatten(), nb_Linear(8, 2, false)));
    return g;
}

static void test_nested_names_buffers_and_state_dict(void **s) {
    (void)s;
    nb_module *g = generator_like();
    tu_assert_names(nb_module_parameters(g), 4,
                 (const char *[]){"l1.0.weight", "l1.0.bias", "blocks.0.gain", "blocks.2.weight"});
    tu_assert_names(nb_module_buffers(g), 1, (const char *[]){"blocks.0.calls"});
    /* per module: parameters, then buffers, then children */
    tu_assert_names(nb_module_state_dict(g), 5,
                 (const char *[]){"l1.0.weight", "l1.0.bias", "blocks.0.gain", "blocks.0.calls",
                                  "blocks.2.weight"});
    nb_module *blocks = nb_module_child(g, "blocks");
    tu_assert_names(nb_module_parameters(blocks), 2, (const char *[]){"0.gain", "2.weight"});
    tu_assert_close(nb_named_find(nb_module_parameters(g), "blocks.0.gain")->data, (double[]){2, 2, 2, 2}, 4, 0);
    assert_null(nb_named_find(nb_module_parameters(g), "blocks.0.calls"));
    nb_tensor *y = nb_forward(g, nb_ones(NB_SHAPE(5, 3)));
    assert_int_equal(y->shape[0], 5);
    assert_int_equal(y->shape[1], 2);
    assert_true(nb_named_find(nb_module_buffers(g), "blocks.0.calls")->data[0] == 1);
    /* the lists are cached: asking again allocates nothing */
    const nb_named_tensors *before = nb_module_parameters(g);
    size_t bytes = nb_arena_bytes(g->arena);
    for (int i = 0; i < 100; i++) assert_ptr_equal(nb_module_parameters(g), before);
    assert_int_equal(nb_arena_bytes(g->arena), bytes);
    /* ... until the structure changes; the old list stays readable */
    assert_non_null(nb_module_add(blocks, "extra", nb_Linear(2, 2, true)));
    const nb_named_tensors *after = nb_module_parameters(g);
    assert_int_equal(after->n, 6);
    assert_string_equal(after->names[5], "blocks.extra.bias");
    assert_int_equal(before->n, 4);
    assert_string_equal(before->names[3], "blocks.2.weight");
    assert_int_equal(nb_module_num_elements(g), 24 + 8 + 4 + 16 + 4 + 2);
    nb_module_free(g);
    TU_NO_ERROR();
}

static void collect_training(nb_module *m, void *ctx) {
    int *counts = ctx;
    counts[m->training]++;
}

static void test_train_eval_propagates(void **s) {
    (void)s;
    nb_module *g = generator_like();
    int counts[2] = {0, 0};
    nb_module_apply(g, collect_training, counts);
    assert_int_equal(counts[0], 0);
    assert_int_equal(counts[1], 8); /* g, l1, its Linear, view, blocks and its three children */
    nb_module_eval(g);
    memset(counts, 0, sizeof counts);
    nb_module_apply(g, collect_training, counts);
    assert_int_equal(counts[0], 8);
    nb_module *scale = nb_module_child_at(nb_module_child(g, "blocks"), 0);
    assert_false(scale->training);
    nb_forward(g, nb_ones(NB_SHAPE(1, 3))); /* eval: the Scale does not count */
    assert_true(nb_module_buffer(scale, "calls")->data[0] == 0);
    nb_module_train(nb_module_child(g, "blocks"), true); /* a subtree only */
    assert_true(scale->training);
    assert_false(nb_module_child(g, "l1")->training);
    nb_module_train(g, true);
    memset(counts, 0, sizeof counts);
    nb_module_apply(g, collect_training, counts);
    assert_int_equal(counts[1], 8);
    nb_module_free(g);
    TU_NO_ERROR();
}

static void test_freezing_stops_gradients(void **s) {
    (void)s;
    nb_module *net = NB_SEQUENTIAL(nb_Linear(2, 3, true), nb_Tanh(), nb_Linear(3, 1, true));
    const nb_named_tensors *p = nb_module_parameters(net);
    nb_tensor *x = nb_from_data(NB_SHAPE(2, 2), (nb_real[]){1, 2, -1, 0.5});
    nb_module_requires_grad(nb_module_child_at(net, 0), false);
    assert_int_equal(nb_backward(nb_sum(nb_forward(net, x))), 0);
    assert_null(p->tensors[0]->grad);
    assert_null(p->tensors[1]->grad);
    assert_non_null(p->tensors[2]->grad);
    assert_non_null(p->tensors[3]->grad);
    nb_module_requires_grad(net, true);
    assert_int_equal(nb_backward(nb_sum(nb_forward(net, x))), 0);
    assert_non_null(p->tensors[0]->grad);
    nb_module_requires_grad(net, false); /* all frozen: nothing to differentiate */
    assert_int_equal(nb_backward(nb_sum(nb_forward(net, x))), -1);
    tu_expect_error("does not require grad");
    nb_module_free(net);
}

static void record_kind(nb_module *m, void *ctx) {
    char *buf = ctx;
    strcat(buf, m->kind->name);
    strcat(buf, " ");
}

static void test_apply_order_and_reset(void **s) {
    (void)s;
    nb_seed(3);
    nb_module *net = NB_SEQUENTIAL(nb_Linear(3, 4, true), NB_SEQUENTIAL(nb_Tanh(), Scale(4)), nb_Linear(4, 2, true));
    char order[256] = "";
    nb_module_apply(net, record_kind, order);
    assert_string_equal(order, "Linear Tanh Scale Sequential Linear Sequential ");
    const nb_named_tensors *p = nb_module_parameters(net);
    nb_tensor *saved[5];
    for (int i = 0; i < p->n; i++) saved[i] = nb_clone(p->tensors[i]);
    for (int i = 0; i < p->n; i++) nb_init_constant(p->tensors[i], 7);
    nb_seed(3); /* the same draws again, in tree order */
    nb_module_reset_parameters(net);
    for (int i = 0; i < p->n; i++) assert_memory_equal(p->tensors[i]->data, saved[i]->data, (size_t)saved[i]->numel * sizeof(nb_real));
    nb_module_free(net);
    TU_NO_ERROR();
}

/* nb_init_dcgan matches kind names as PyTorch's weights_init matches class
 * names; the real Conv2d and BatchNorm2d are checked in test_layers_conv.c. */
static nb_tensor *no_forward(nb_module *m, nb_tensor *x) {
    (void)m;
    return x;
}
static const nb_layer_kind fake_conv = {"FakeConv2d", no_forward, NULL, NULL};
static const nb_layer_kind fake_bn = {"FakeBatchNorm2d", no_forward, NULL, NULL};

static void test_dcgan_init_by_kind_name(void **s) {
    (void)s;
    nb_module *conv = nb_module_new(&fake_conv, 0), *bn = nb_module_new(&fake_bn, 0);
    nb_tensor *cw = nb_module_add_param(conv, "weight", NB_SHAPE(64, 32, 3, 3));
    nb_tensor *cb = nb_module_add_param(conv, "bias", NB_SHAPE(64));
    nb_tensor *bw = nb_module_add_param(bn, "weight", NB_SHAPE(4000));
    nb_tensor *bb = nb_module_add_param(bn, "bias", NB_SHAPE(4000));
    nb_init_constant(cb, 0.5);
    nb_init_constant(bb, 0.5);
    nb_module *net = NB_SEQUENTIAL(nb_module_ready(conv), nb_module_ready(bn), nb_Linear(3, 3, true));
    nb_tensor *lw = nb_clone(nb_module_param(nb_module_child_at(net, 2), "weight"));
    nb_init_dcgan(net);
    double mean, std;
    tu_mean_std(cw, &mean, &std);
    assert_true(fabs(mean) < 0.002 && fabs(std - 0.02) < 0.001);
    tu_mean_std(bw, &mean, &std);
    assert_true(fabs(mean - 1) < 0.002 && fabs(std - 0.02) < 0.001);
    tu_assert_close(cb->data, (double[]){0.5, 0.5}, 2, 0); /* conv bias untouched */
    tu_assert_close(bb->data, (double[]){0, 0}, 2, 0);
    assert_memory_equal(nb_module_param(nb_module_child_at(net, 2), "weight")->data, lw->data, 9 * sizeof(nb_real));
    nb_module_free(net);
    TU_NO_ERROR();
}

static void test_load_state(void **s) {
    (void)s;
    nb_seed(1);
    nb_module *a = generator_like();
    nb_seed(2);
    nb_module *b = generator_like();
    nb_forward(a, nb_ones(NB_SHAPE(1, 3))); /* a's buffer counts 1 */
    const nb_named_tensors *sa = nb_module_state_dict(a), *sb = nb_module_state_dict(b);
    nb_tensor *x = nb_uniform(NB_SHAPE(4, 3), -1, 1);
    assert_int_equal(nb_named_load(sb, sa->n, sa->names, sa->tensors, true), 0);
    assert_memory_equal(nb_forward(a, x)->data, nb_forward(b, x)->data, 8 * sizeof(nb_real));
    assert_true(nb_named_find(sb, "blocks.0.calls")->data[0] == 2); /* loaded 1, then one call */
    /* failures leave the destination as it was */
    nb_tensor *w = nb_named_find(sb, "l1.0.weight"), *keep = nb_clone(w);
    nb_tensor *bad[2] = {nb_zeros(NB_SHAPE(8, 3)), nb_zeros(NB_SHAPE(3, 8))};
    assert_int_equal(nb_named_load(sb, 2, (const char *[]){"l1.0.weight", "l1.0.bias"}, bad, false), -1);
    tu_expect_error("load: 'l1.0.bias' has shape [3,8], the model expects [8]");
    assert_memory_equal(w->data, keep->data, 24 * sizeof(nb_real));
    assert_int_equal(nb_named_load(sb, 1, (const char *[]){"l1.0.weight"}, bad, true), -1);
    tu_expect_error("load: 'l1.0.bias' is missing");
    assert_int_equal(nb_named_load(sb, 1, (const char *[]){"l9.weight"}, bad, true), -1);
    tu_expect_error("load: unexpected tensor 'l9.weight'");
    assert_memory_equal(w->data, keep->data, 24 * sizeof(nb_real));
    /* not strict: a partial load of the names that exist */
    assert_int_equal(nb_named_load(sb, 2, (const char *[]){"l9.weight", "l1.0.weight"},
                                   (nb_tensor *[]){bad[1], bad[0]}, false), 0);
    tu_assert_close(w->data, (double[]){0, 0, 0}, 3, 0);
    nb_module_free(a);
    nb_module_free(b);
    TU_NO_ERROR();
}

static void test_print_like_pytorch(void **s) {
    (void)s;
    nb_module *m = nb_Sequential(0, NULL);
    nb_module_add(m, "l1", NB_SEQUENTIAL(nb_Linear(3, 8, true)));
    nb_module_add(m, "act", nb_LeakyReLU(0.2));
    nb_module_add(m, "view", nb_Reshape(NB_SHAPE(2, 4)));
    nb_module_add(m, "flat", nb_Flatten());
    nb_module_add(m, "out", nb_Linear(8, 1, false));
    tu_assert_prints(m, "Sequential(\n"
                        "  (l1): Sequential(\n"
                        "    (0): Linear(in_features=3, out_features=8, bias=True)\n"
                        "  )\n"
                        "  (act): LeakyReLU(negative_slope=0.2)\n"
                        "  (view): Reshape(-1, 2, 4)\n"
                        "  (flat): Flatten(start_dim=1, end_dim=-1)\n"
                        "  (out): Linear(in_features=8, out_features=1, bias=False)\n"
                        ")\n");
    nb_module_free(m);
    TU_NO_ERROR();
}

static void test_ownership_and_errors(void **s) {
    (void)s;
    assert_null(nb_Linear(0, 3, true));
    tu_expect_error("Linear: in_features 0 and out_features 3 must be positive");
    /* a failed part fails the whole expression; the others are freed (ASan/valgrind check) */
    assert_null(NB_SEQUENTIAL(nb_Linear(2, 2, true), nb_Linear(-1, 2, true), nb_Tanh()));
    tu_expect_error("Linear: in_features -1");
    assert_null(nb_Sequential(-1, NULL));
    tu_expect_error("Sequential: -1 children");
    nb_module *a = nb_Sequential(0, NULL), *b = nb_Sequential(0, NULL), *lin = nb_Linear(2, 2, true);
    assert_ptr_equal(nb_module_add(a, "x", lin), lin);
    assert_null(nb_module_add(b, "y", lin));
    tu_expect_error("module_add: the Linear already belongs to a Sequential");
    assert_ptr_equal(nb_module_child(a, "x"), lin);
    assert_null(nb_module_add(a, "x", nb_Tanh()));
    tu_expect_error("Sequential: child name 'x' is already used");
    assert_null(nb_module_add(a, "p.q", nb_Tanh()));
    tu_expect_error("without '.'");
    nb_module *inner = nb_module_add(a, "inner", nb_Sequential(0, NULL));
    assert_null(nb_module_add(inner, NULL, a));
    tu_expect_error("module_add: a Sequential cannot contain itself");
    assert_null(nb_module_add(NULL, "z", nb_Tanh()));
    tu_expect_error("module_add: no parent module");
    assert_null(nb_module_add(a, "z", NULL));
    tu_expect_error("no child module");
    nb_module_free(lin);
    tu_expect_error("module_free: this Linear is a child of a Sequential; free the root");
    /* a constructor whose part fails discards the module */
    nb_module *m = nb_module_new(&scale_kind, 0);
    nb_module_add_param(m, "gain", NB_SHAPE(2));
    nb_module_add_buffer(m, "gain", NB_SHAPE(2));
    nb_module_add_param(m, "gain", NB_SHAPE(2));
    assert_null(nb_module_ready(m));
    tu_expect_error("Scale: parameter name 'gain' is already used");
    assert_null(nb_module_new(&(nb_layer_kind){"NoForward", NULL, NULL, NULL}, 0));
    tu_expect_error("a layer kind needs a name and a forward");
    /* errors of the ops pass through a Sequential; a NULL module or input is reported */
    nb_module *net = NB_SEQUENTIAL(nb_Linear(2, 3, true), nb_Tanh());
    assert_null(nb_forward(net, nb_ones(NB_SHAPE(1, 5))));
    tu_expect_error("linear: input [1,5] does not fit weight [3,2]");
    assert_null(nb_forward(NULL, nb_ones(NB_SHAPE(1, 2))));
    tu_expect_error("forward: no module");
    assert_null(nb_forward(net, NULL));
    tu_expect_error("NULL tensor");
    assert_null(nb_module_parameters(NULL));
    tu_expect_error("no module");
    nb_module_free(net);
    nb_module_free(a);
    nb_module_free(b);
    nb_module_free(NULL);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_linear_forward),
        TU_TEST(test_linear_default_init),
        TU_TEST(test_fan_in),
        TU_TEST(test_activation_layers),
        TU_TEST(test_shape_layers),
        TU_TEST(test_sequential_forward_and_names),
        TU_TEST(test_nested_names_buffers_and_state_dict),
        TU_TEST(test_train_eval_propagates),
        TU_TEST(test_freezing_stops_gradients),
        TU_TEST(test_apply_order_and_reset),
        TU_TEST(test_dcgan_init_by_kind_name),
        TU_TEST(test_load_state),
        TU_TEST(test_print_like_pytorch),
        TU_TEST(test_ownership_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
