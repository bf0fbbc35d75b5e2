/* test_fanogan_gp.c — the WGAN-GP gradient penalty of f-AnoGAN's critic step:
 * its value against finite differences of D, one interpolation weight per
 * image, and its gradient with respect to D's parameters (a double backward
 * through D) against finite differences, through the real dcgan critic
 * (Dropout2d in training mode, BatchNorm with eps 0.8) and through the resnet
 * critic with LayerNorm. */
#include <math.h>
#include <string.h>
#include "model_checks.h"
#include "nb_fanogan.h"
#include "test_util.h"

#ifdef NB_DOUBLE
#define TOL 1e-7
#else
#define TOL 2e-3
#endif

/* gp = mean_i (||dD(xhat_i)/dxhat_i|| - 1)^2 with the gradient of D taken by
 * central differences, image by image (the mlp critic treats images alone) */
static void test_value_against_differences(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 3, 2, 4);
    nb_tensor *real = nb_uniform(NB_SHAPE(3, 2, 3, 3), -1, 1), *fake = nb_uniform(NB_SHAPE(3, 2, 3, 3), -1, 1);
    nb_tensor *alpha = nb_from_data(NB_SHAPE(3, 1, 1, 1), (nb_real[]){0.2, 0.9, 0.5});
    nb_tensor *gp = nb_fanogan_gradient_penalty(m, real, fake, alpha);
    TU_NO_ERROR();
    assert_int_equal(gp->ndim, 0);
    nb_tensor *xhat = nb_tensor_new(NB_SHAPE(3, 2, 3, 3));
    for (int64_t k = 0; k < 54; k++) {
        double a = alpha->data[k / 18];
        xhat->data[k] = (nb_real)(a * real->data[k] + (1 - a) * fake->data[k]);
    }
    bool grad = nb_set_grad_enabled(false);
    double want = 0, h = sizeof(nb_real) == 8 ? 1e-6 : 1e-2;
    for (int i = 0; i < 3; i++) {
        double sq = 0;
        for (int k = 18 * i; k < 18 * (i + 1); k++) {
            nb_real keep = xhat->data[k];
            xhat->data[k] = keep + (nb_real)h;
            double dp = nb_fanogan_critic(m, xhat)->data[i];
            xhat->data[k] = keep - (nb_real)h;
            double dm = nb_fanogan_critic(m, xhat)->data[i];
            xhat->data[k] = keep;
            sq += pow((dp - dm) / (2 * h), 2);
        }
        want += pow(sqrt(sq) - 1, 2) / 3;
    }
    nb_set_grad_enabled(grad);
    assert_true(want > 1e-3); /* the check means something */
    tu_assert_close(gp->data, (double[]){want}, 1, sizeof(nb_real) == 8 ? 1e-7 : 1e-2 * want);
    /* without alpha: one weight per image, alpha ~ U(0, 1) of shape [N,1,1,1] */
    nb_seed(99);
    nb_tensor *drawn = nb_fanogan_gradient_penalty(m, real, fake, NULL);
    nb_seed(99);
    nb_tensor *same = nb_fanogan_gradient_penalty(m, real, fake, nb_uniform(NB_SHAPE(3, 1, 1, 1), 0, 1));
    assert_true(drawn->data[0] == same->data[0]);
    /* errors name the function */
    assert_null(nb_fanogan_gradient_penalty(m, real, nb_zeros(NB_SHAPE(3, 2, 3, 4)), alpha));
    tu_expect_error("fanogan_gradient_penalty: images [3,2,3,4] do not fit the model's [N,2,3,3]");
    assert_null(nb_fanogan_gradient_penalty(NULL, real, fake, alpha));
    tu_expect_error("fanogan_gradient_penalty: no model");
    assert_null(nb_fanogan_gradient_penalty(m, real, NULL, alpha));
    tu_expect_error("NULL tensor passed to an op");
    nb_fanogan_free(m);
}

typedef struct {
    nb_fanogan *m;
    nb_tensor *real, *fake, *alpha;
    nb_arena *scratch;
} gp_ctx;

/* the penalty as a function of (some of) D's parameters, which the check
 * perturbs in place; re-seeded so Dropout2d draws the same channel mask. The
 * finite-difference evaluations (grad mode off) run in a scratch arena reset
 * each time, so a thousand of them do not pile up their intermediates. */
static nb_tensor *penalty(nb_tensor **x, void *ctx) {
    (void)x;
    gp_ctx *c = ctx;
    nb_seed(4242);
    if (nb_grad_enabled()) return nb_fanogan_gradient_penalty(c->m, c->real, c->fake, c->alpha);
    nb_arena_reset(c->scratch);
    nb_arena *caller = nb_arena_use(c->scratch);
    nb_tensor *gp = nb_fanogan_gradient_penalty(c->m, c->real, c->fake, c->alpha);
    nb_arena_use(caller);
    return gp ? nb_copy_to(caller, gp) : NULL;
}

static void check_params(const char *name, gp_ctx *c, int n, const char *const *names) {
    nb_tensor *x[8];
    const nb_named_tensors *p = nb_module_parameters(c->m->discriminator);
    c->scratch = nb_arena_new();
    for (int i = 0; i < n; i++) {
        x[i] = nb_named_find(p, names[i]);
        assert_non_null(x[i]);
    }
    /* the gradient is there, finite and not zero, before comparing it */
    nb_tensor *gp = penalty(x, c), *g[8];
    assert_int_equal(nb_grad(1, &gp, NULL, n, x, g, false), 0);
    double norm = 0;
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < g[i]->numel; k++) norm += fabs(g[i]->data[k]);
    assert_true(norm > 1e-6 && isfinite(norm));
#ifdef NB_DOUBLE
    /* Only here: the penalty involves dD/dx, which is piecewise constant in
     * the LeakyReLU/ReLU masks, and the float build's step of 2e-3 moves
     * pre-activations across 0 — a jump, not a derivative. */
    gc_check_first_only(name, penalty, n, x, c);
#else
    (void)name;
#endif
    nb_arena_free(c->scratch);
    TU_NO_ERROR();
}

/* At image size 16 the last block's output is 1x1, its BatchNorm normalizes
 * each feature over the batch alone, and sum_i D(x_i) — whose gradient the
 * penalty takes — is constant: its gradient is exactly zero. Size 32 (2x2
 * features) is the smallest with a real penalty. */
static void test_grad_through_dcgan_critic(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_DCGAN, 32, 1, 4);
    nb_fanogan_train(m, true); /* Dropout2d active, BatchNorm on batch statistics */
    nb_tensor *real = nb_uniform(NB_SHAPE(2, 1, 32, 32), -1, 1);
    nb_tensor *fake = nb_detach(nb_fanogan_generate(m, nb_fanogan_sample_z(m, 2, NB_FANOGAN_Z_NORMAL)));
    gp_ctx c = {m, real, fake, nb_from_data(NB_SHAPE(2, 1, 1, 1), (nb_real[]){0.3, 0.85}), NULL};
    /* the mask really is random in training mode: two draws differ, a re-seed repeats */
    nb_tensor *a = penalty(NULL, &c), *b = nb_fanogan_gradient_penalty(m, real, fake, c.alpha);
    nb_tensor *a2 = penalty(NULL, &c);
    assert_true(a->data[0] != b->data[0]);
    assert_true(a->data[0] == a2->data[0]);
    /* a few tensors from the first block to the head (all of them would take
     * 2 x 100k evaluations) */
    const char *names[] = {"model.0.bias",    "model.3.bias",       "model.6.weight",    "model.6.bias",
                           "model.10.weight", "model.14.bias",      "adv_layer.0.weight", "adv_layer.0.bias"};
    check_params("gradient penalty through the dcgan critic", &c, 8, names);
    nb_fanogan_free(m);
}

static void test_grad_through_resnet_critic(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_RESNET, 16, 1, 4);
    nb_tensor *real = nb_uniform(NB_SHAPE(2, 1, 16, 16), -1, 1);
    nb_tensor *fake = nb_detach(nb_fanogan_generate(m, nb_fanogan_sample_z(m, 2, NB_FANOGAN_Z_NORMAL)));
    gp_ctx c = {m, real, fake, nb_from_data(NB_SHAPE(2, 1, 1, 1), (nb_real[]){0.25, 0.7}), NULL};
    const char *names[] = {"input.weight",    "input.bias",        "res1.conv1.weight", "res2.shortcut.weight",
                           "res3.norm2.bias", "res4.norm1.weight", "res4.conv2.bias",   "output.weight"};
    check_params("gradient penalty through the resnet critic", &c, 8, names);
    nb_fanogan_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_value_against_differences),
        TU_TEST(test_grad_through_dcgan_critic),
        TU_TEST(test_grad_through_resnet_critic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
