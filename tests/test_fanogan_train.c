/* test_fanogan_train.c — f-AnoGAN's training steps on toy data: WGAN-GP
 * critic steps raise the Wasserstein estimate and lower the critic's loss;
 * alternating with generator steps brings G's images to the data; encoder
 * steps (izif, izi, ziz) lower their loss with G and D untouched; a NaN loss
 * stops a step before any update; the steps' bookkeeping (arenas, grad mode,
 * freezing, modes) and their errors. */
#include <math.h>
#include <string.h>
#include "model_checks.h"
#include "nb_fanogan.h"
#include "test_util.h"

static nb_optim *adam(nb_module *net, double lr) {
    return nb_Adam(nb_module_parameters(net), (nb_adam_opts){lr, 0.5, 0.999, 1e-8, 0});
}

/* the toy data: a fixed 4x4 pattern of +-0.6 with a little noise */
static nb_tensor *toy_batch(int64_t n) {
    nb_tensor *x = nb_normal(NB_SHAPE(n, 1, 4, 4), 0, 0.05);
    for (int64_t k = 0; k < x->numel; k++) x->data[k] += (nb_real)((k % 4 + k / 4) % 2 ? 0.6 : -0.6);
    return x;
}

/* copy of all tensors of a network, to see whether a step changed them */
static nb_tensor *snapshot(nb_module *net) {
    const nb_named_tensors *sd = nb_module_state_dict(net);
    int64_t n = 0;
    for (int i = 0; i < sd->n; i++) n += sd->tensors[i]->numel;
    nb_tensor *s = nb_tensor_new(NB_SHAPE(n));
    for (int i = 0, at = 0; i < sd->n; at += (int)sd->tensors[i]->numel, i++)
        memcpy(s->data + at, sd->tensors[i]->data, (size_t)sd->tensors[i]->numel * sizeof(nb_real));
    return s;
}

static bool unchanged(nb_module *net, const nb_tensor *before) {
    nb_tensor *now = snapshot(net);
    return !memcmp(now->data, before->data, (size_t)now->numel * sizeof(nb_real));
}

static void test_critic_steps_separate(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 4);
    nb_optim *od = adam(m->discriminator, 1e-3);
    nb_arena *step = nb_arena_new();
    nb_fanogan_train_opts o = nb_fanogan_train_defaults();
    nb_tensor *g_before = nb_clone(nb_module_parameters(m->generator)->tensors[0]);
    double w_first = 0, w_last = 0, d_first = 0, d_last = 0;
    for (int i = 0; i < 30; i++) {
        nb_fanogan_losses l = {0};
        assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(8), &o, step, i, &l), 0);
        assert_true(fabs(l.d_loss - (-l.wasserstein + o.lambda_gp * l.gp)) < 1e-4);
        assert_true(l.gp >= 0);
        if (i < 5) w_first += l.wasserstein / 5, d_first += l.d_loss / 5;
        if (i >= 25) w_last += l.wasserstein / 5, d_last += l.d_loss / 5;
    }
    TU_NO_ERROR();
    /* the critic tells the pattern from G's untrained output better and better */
    assert_true(w_last > w_first + 0.5);
    assert_true(d_last < d_first - 0.3);
    assert_int_equal(nb_optim_steps(od), 30);
    /* only D was updated */
    assert_memory_equal(nb_module_parameters(m->generator)->tensors[0]->data, g_before->data,
                        (size_t)g_before->numel * sizeof(nb_real));
    nb_optim_free(od);
    nb_arena_free(step);
    nb_fanogan_free(m);
}

/* mean squared distance of the mean of 64 generated images to the pattern */
static double gap_to_data(nb_fanogan *m) {
    bool grad = nb_set_grad_enabled(false);
    nb_module_eval(m->generator);
    nb_tensor *x = nb_fanogan_generate(m, nb_fanogan_sample_z(m, 64, NB_FANOGAN_Z_NORMAL));
    nb_tensor *pattern = nb_mean_dims(toy_batch(64), 1, (int[]){0}, false);
    double gap = nb_mse_loss(nb_mean_dims(x, 1, (int[]){0}, false), pattern)->data[0];
    nb_set_grad_enabled(grad);
    return gap;
}

static void test_wgan_gp_run_moves_generator(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 4);
    nb_optim *od = adam(m->discriminator, 1e-3), *og = adam(m->generator, 1e-3);
    nb_arena *step = nb_arena_new();
    nb_fanogan_train_opts o = nb_fanogan_train_defaults();
    double gap0 = gap_to_data(m), g_first = NAN, g_last = NAN;
    for (int i = 0; i < 100; i++) {
        nb_fanogan_losses l = {0};
        assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(8), &o, step, i, &l), 0);
        if (i % o.n_critic == 0) {
            assert_int_equal(nb_fanogan_generator_step(m, og, 8, &o, step, i, &l), 0);
            if (i == 0) g_first = l.g_loss;
            g_last = l.g_loss;
        }
    }
    TU_NO_ERROR();
    double gap1 = gap_to_data(m);
    print_message("generator: gap to data %.4f -> %.4f, g_loss %.4f -> %.4f\n", gap0, gap1, g_first, g_last);
    assert_true(gap1 < 0.5 * gap0);
    assert_int_equal(nb_optim_steps(og), 20);
    /* D requires grad again after the generator steps froze it */
    const nb_named_tensors *p = nb_module_parameters(m->discriminator);
    for (int i = 0; i < p->n; i++) assert_true(p->tensors[i]->requires_grad);
    nb_optim_free(od);
    nb_optim_free(og);
    nb_arena_free(step);
    nb_fanogan_free(m);
}

/* Images G can make: G(z*) for 32 fixed z* in (-0.9, 0.9), inside the range
 * of E's tanh, so the reconstruction loss can go towards 0. */
static nb_tensor *reachable_images(nb_fanogan *m) {
    bool grad = nb_set_grad_enabled(false);
    nb_module_eval(m->generator);
    nb_tensor *x = nb_fanogan_generate(m, nb_uniform(NB_SHAPE(32, 4), -0.9, 0.9));
    nb_set_grad_enabled(grad);
    return x;
}

/* trains E for 60 steps in a mode on batches of 8 of the images; returns the
 * mean loss of the first and of the last 5 steps */
static void encoder_run(nb_fanogan *m, nb_fanogan_encoder_mode mode, nb_tensor *images, double *first,
                        double *last) {
    nb_optim *oe = adam(m->encoder, 5e-3);
    nb_arena *step = nb_arena_new();
    nb_fanogan_train_opts o = nb_fanogan_train_defaults();
    o.encoder_mode = mode;
    o.z_dist = NB_FANOGAN_Z_UNIFORM; /* ziz: z in E's range (-1, 1) */
    nb_tensor *g = snapshot(m->generator), *d = snapshot(m->discriminator);
    *first = *last = 0;
    for (int i = 0; i < 60; i++) {
        nb_fanogan_losses l = {0};
        nb_tensor *x = nb_slice(images, 0, 8 * (i % 4), 8 * (i % 4 + 1));
        assert_int_equal(nb_fanogan_encoder_step(m, oe, x, &o, step, i, &l), 0);
        if (mode == NB_FANOGAN_IZIF) assert_true(fabs(l.e_loss - (l.e_img + o.kappa * l.e_feat)) < 1e-5);
        if (mode == NB_FANOGAN_IZI) assert_true(l.e_loss == l.e_img && l.e_feat == 0);
        if (i < 5) *first += l.e_loss / 5;
        if (i >= 55) *last += l.e_loss / 5;
    }
    TU_NO_ERROR();
    /* G and D frozen and in eval mode: parameters and running statistics unchanged */
    assert_true(unchanged(m->generator, g));
    assert_true(unchanged(m->discriminator, d));
    assert_false(m->generator->training || m->discriminator->training);
    assert_true(m->encoder->training);
    const nb_named_tensors *p = nb_module_parameters(m->generator);
    for (int i = 0; i < p->n; i++) assert_true(p->tensors[i]->requires_grad);
    nb_optim_free(oe);
    nb_arena_free(step);
}

static void test_encoder_steps_reduce_loss(void **s) {
    (void)s;
    const nb_fanogan_encoder_mode modes[] = {NB_FANOGAN_IZIF, NB_FANOGAN_IZI, NB_FANOGAN_ZIZ};
    for (int k = 0; k < 3; k++) {
        nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 4);
        /* a briefly trained G and D, as phase 2 starts from */
        nb_optim *od = adam(m->discriminator, 1e-3), *og = adam(m->generator, 1e-3);
        nb_arena *step = nb_arena_new();
        nb_fanogan_train_opts o = nb_fanogan_train_defaults();
        nb_fanogan_losses l;
        for (int i = 0; i < 10; i++) {
            assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(8), &o, step, i, &l), 0);
            if (i % 5 == 0) assert_int_equal(nb_fanogan_generator_step(m, og, 8, &o, step, i, &l), 0);
        }
        double first, last;
        encoder_run(m, modes[k], reachable_images(m), &first, &last);
        print_message("encoder %s: loss %.5f -> %.5f\n", nb_fanogan_encoder_mode_name(modes[k]), first, last);
        /* ziz can only recover z as far as G(z) depends on z, which after so
         * short a GAN training is not far */
        assert_true(last < (modes[k] == NB_FANOGAN_ZIZ ? 0.7 : 0.5) * first);
        nb_optim_free(od);
        nb_optim_free(og);
        nb_arena_free(step);
        nb_fanogan_free(m);
    }
}

static void test_nan_stops_the_step(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 4);
    nb_optim *od = adam(m->discriminator, 1e-3), *og = adam(m->generator, 1e-3), *oe = adam(m->encoder, 1e-3);
    nb_arena *step = nb_arena_new();
    nb_fanogan_train_opts o = nb_fanogan_train_defaults();
    nb_fanogan_losses l = {0};
    nb_tensor *w = nb_named_find(nb_module_parameters(m->discriminator), "last_layer.0.bias");
    w->data[0] = NAN;
    nb_tensor *d = snapshot(m->discriminator);
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), &o, step, 7, &l), -1);
    tu_expect_error("critic loss became NaN at step 7");
    w->data[0] = INFINITY; /* D(G(z)) = inf */
    assert_int_equal(nb_fanogan_generator_step(m, og, 4, &o, step, 3, &l), -1);
    tu_expect_error("generator loss became infinite at step 3");
    w->data[0] = NAN;
    /* no update was made */
    assert_int_equal(nb_optim_steps(od) + nb_optim_steps(og), 0);
    nb_tensor *now = snapshot(m->discriminator);
    for (int64_t k = 0; k < now->numel; k++)
        assert_true(now->data[k] == d->data[k] || (isnan(now->data[k]) && isnan(d->data[k])));
    w->data[0] = 0;
    nb_named_find(nb_module_parameters(m->encoder), "model.4.bias")->data[0] = NAN;
    assert_int_equal(nb_fanogan_encoder_step(m, oe, toy_batch(4), &o, step, 11, &l), -1);
    tu_expect_error("encoder loss became NaN at step 11");
    assert_int_equal(nb_optim_steps(oe), 0);
    nb_optim_free(od);
    nb_optim_free(og);
    nb_optim_free(oe);
    nb_arena_free(step);
    nb_fanogan_free(m);
}

static void test_step_bookkeeping_and_errors(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 4);
    nb_optim *od = adam(m->discriminator, 1e-3);
    nb_arena *step = nb_arena_new(), *mine = nb_arena_current();
    nb_fanogan_train_opts o = nb_fanogan_train_defaults();
    nb_fanogan_losses l = {0};
    nb_set_grad_enabled(false);
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), &o, step, 0, &l), 0);
    /* the caller's arena and grad mode come back; the step arena is reset */
    assert_ptr_equal(nb_arena_current(), mine);
    assert_false(nb_grad_enabled());
    nb_set_grad_enabled(true);
    size_t held = nb_arena_bytes(step);
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), &o, step, 1, &l), 0);
    assert_int_equal(nb_arena_bytes(step), held);
    assert_true(m->generator->training && m->discriminator->training);

    assert_int_equal(nb_fanogan_critic_step(m, od, nb_zeros(NB_SHAPE(4, 1, 4, 5)), &o, step, 2, &l), -1);
    tu_expect_error("fanogan_critic_step: images [4,1,4,5] do not fit the model's [N,1,4,4]");
    assert_int_equal(nb_fanogan_critic_step(m, od, NULL, &o, step, 2, &l), -1);
    tu_expect_error("fanogan_critic_step: no images given");
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), NULL, step, 2, &l), -1);
    tu_expect_error("fanogan_critic_step: no options (see nb_fanogan_train_defaults)");
    assert_int_equal(nb_fanogan_encoder_step(m, od, toy_batch(4), &o, NULL, 2, &l), -1);
    tu_expect_error("fanogan_encoder_step: needs a model, an optimizer, a step arena and a losses struct");
    o.n_critic = 0;
    assert_int_equal(nb_fanogan_generator_step(m, od, 4, &o, step, 2, &l), -1);
    tu_expect_error("fanogan_generator_step: n_critic 0 must be at least 1");
    o = nb_fanogan_train_defaults();
    o.lambda_gp = -1;
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), &o, step, 2, &l), -1);
    tu_expect_error("lambda_gp -1 and kappa 1 must be finite and >= 0");
    o = nb_fanogan_train_defaults();
    o.encoder_mode = (nb_fanogan_encoder_mode)5;
    assert_int_equal(nb_fanogan_encoder_step(m, od, toy_batch(4), &o, step, 2, &l), -1);
    tu_expect_error("fanogan_encoder_step: unknown encoder mode 5");
    /* a pending error stops a step before anything happens */
    o = nb_fanogan_train_defaults();
    nb_error_set("earlier failure");
    assert_int_equal(nb_fanogan_critic_step(m, od, toy_batch(4), &o, step, 3, &l), -1);
    tu_expect_error("earlier failure");
    assert_int_equal(nb_optim_steps(od), 2);
    nb_optim_free(od);
    nb_arena_free(step);
    nb_fanogan_free(m);
}

/* one step of each kind for the convolutional architectures */
static void test_steps_of_every_architecture(void **s) {
    (void)s;
    const nb_fanogan_arch archs[] = {NB_FANOGAN_DCGAN, NB_FANOGAN_DCGAN_T, NB_FANOGAN_RESNET};
    for (int k = 0; k < 3; k++) {
        nb_fanogan *m = tu_fanogan_tiny(archs[k], 16, 1, 4);
        nb_optim *od = adam(m->discriminator, 2e-4), *og = adam(m->generator, 2e-4), *oe = adam(m->encoder, 2e-4);
        nb_arena *step = nb_arena_new();
        nb_fanogan_train_opts o = nb_fanogan_train_defaults();
        nb_fanogan_losses l = {0};
        nb_tensor *x = nb_uniform(NB_SHAPE(4, 1, 16, 16), -1, 1);
        assert_int_equal(nb_fanogan_critic_step(m, od, x, &o, step, 0, &l), 0);
        assert_int_equal(nb_fanogan_generator_step(m, og, 4, &o, step, 0, &l), 0);
        assert_int_equal(nb_fanogan_encoder_step(m, oe, x, &o, step, 0, &l), 0);
        TU_NO_ERROR();
        assert_true(isfinite(l.d_loss) && isfinite(l.g_loss) && isfinite(l.e_loss) && l.gp > 0 && l.e_feat > 0);
        assert_true(nb_optim_steps(od) == 1 && nb_optim_steps(og) == 1 && nb_optim_steps(oe) == 1);
        nb_optim_free(od);
        nb_optim_free(og);
        nb_optim_free(oe);
        nb_arena_free(step);
        nb_fanogan_free(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_critic_steps_separate),     TU_TEST(test_wgan_gp_run_moves_generator),
        TU_TEST(test_encoder_steps_reduce_loss), TU_TEST(test_nan_stops_the_step),
        TU_TEST(test_step_bookkeeping_and_errors), TU_TEST(test_steps_of_every_architecture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
