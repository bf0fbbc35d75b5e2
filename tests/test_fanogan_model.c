/* test_fanogan_model.c — f-AnoGAN's model: configuration and its errors, the
 * dcgan networks' parameter names and counts against the PyTorch port's
 * (mvtec_ad/model.py at 64x64x3, counted by hand below), the names of the
 * other architectures, the shapes of every forward function for every
 * architecture at two sizes, the combined state dict and its round trip
 * through an .npz checkpoint, and the forward functions' errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model_checks.h"
#include "nb_fanogan.h"
#include "nb_io.h"
#include "test_util.h"

static void test_names_parse_and_defaults(void **s) {
    (void)s;
    const char *names[] = {"dcgan", "dcgan-t", "resnet", "mlp"};
    for (int i = 0; i < 4; i++) {
        nb_fanogan_arch a;
        assert_int_equal(nb_fanogan_arch_parse(names[i], &a), 0);
        assert_int_equal(a, i);
        assert_string_equal(nb_fanogan_arch_name(a), names[i]);
        nb_fanogan_config c = nb_fanogan_config_defaults(a);
        assert_int_equal(nb_fanogan_config_check(&c), 0);
    }
    nb_fanogan_arch a = NB_FANOGAN_MLP;
    assert_int_equal(nb_fanogan_arch_parse("DCGAN", &a), -1);
    tu_expect_error("fanogan: unknown architecture 'DCGAN' (known: dcgan, dcgan-t, resnet, mlp)");
    assert_int_equal(a, NB_FANOGAN_MLP); /* untouched on failure */
    assert_int_equal(nb_fanogan_arch_parse(NULL, &a), -1);
    tu_expect_error("unknown architecture '(none)'");
    assert_string_equal(nb_fanogan_arch_name((nb_fanogan_arch)7), "?");

    const char *modes[] = {"izif", "izi", "ziz"};
    for (int i = 0; i < 3; i++) {
        nb_fanogan_encoder_mode m;
        assert_int_equal(nb_fanogan_encoder_mode_parse(modes[i], &m), 0);
        assert_int_equal(m, i);
        assert_string_equal(nb_fanogan_encoder_mode_name(m), modes[i]);
    }
    nb_fanogan_encoder_mode m;
    assert_int_equal(nb_fanogan_encoder_mode_parse("zz", &m), -1);
    tu_expect_error("fanogan: unknown encoder mode 'zz' (known: izif, izi, ziz)");

    nb_fanogan_config d = nb_fanogan_config_defaults(NB_FANOGAN_DCGAN);
    assert_int_equal(d.image_size, 64);
    assert_int_equal(d.channels, 3);
    assert_int_equal(d.latent_dim, 100);
    nb_fanogan_config r = nb_fanogan_config_defaults(NB_FANOGAN_RESNET);
    assert_int_equal(r.latent_dim, 128);
    assert_int_equal(r.dim, 16);
    nb_fanogan_config p = nb_fanogan_config_defaults(NB_FANOGAN_MLP);
    assert_int_equal(p.image_size, 28);
    assert_int_equal(p.channels, 1);
    nb_fanogan_train_opts t = nb_fanogan_train_defaults();
    assert_true(t.lambda_gp == 10 && t.n_critic == 5 && t.kappa == 1 && t.encoder_mode == NB_FANOGAN_IZIF &&
                t.z_dist == NB_FANOGAN_Z_NORMAL);
    nb_fanogan_score_opts so = nb_fanogan_score_defaults();
    assert_true(so.kappa == 1 && so.image_distance == NB_FANOGAN_DIST_MSE);
    TU_NO_ERROR();
}

static void expect_bad(nb_fanogan_config c, const char *needle) {
    assert_int_equal(nb_fanogan_config_check(&c), -1);
    tu_expect_error(needle);
    assert_null(nb_fanogan_new(&c));
    tu_expect_error(needle);
}

static void test_config_errors(void **s) {
    (void)s;
    nb_fanogan_config c = nb_fanogan_config_defaults(NB_FANOGAN_DCGAN);
    c.image_size = 60;
    expect_bad(c, "fanogan: image size 60: the dcgan networks need a multiple of 16 from 16 to 4096 (e.g. 64)");
    c = nb_fanogan_config_defaults(NB_FANOGAN_RESNET);
    c.image_size = 8;
    expect_bad(c, "image size 8: the resnet networks need a multiple of 16");
    c = nb_fanogan_config_defaults(NB_FANOGAN_MLP);
    c.image_size = 28; /* any size for the fully connected networks */
    assert_int_equal(nb_fanogan_config_check(&c), 0);
    c.image_size = 0;
    expect_bad(c, "fanogan: image size 0 must be from 1 to 4096");
    c = nb_fanogan_config_defaults(NB_FANOGAN_DCGAN_T);
    c.channels = 0;
    expect_bad(c, "fanogan: 0 channels: use 1 (gray) or 3 (RGB), at most 64");
    c = nb_fanogan_config_defaults(NB_FANOGAN_DCGAN);
    c.latent_dim = 0;
    expect_bad(c, "fanogan: latent size 0 must be from 1 to 65536");
    c = nb_fanogan_config_defaults(NB_FANOGAN_RESNET);
    c.dim = 0;
    expect_bad(c, "fanogan: resnet width dim 0 must be from 1 to 4096 (the paper's is 64)");
    c.arch = (nb_fanogan_arch)9;
    expect_bad(c, "fanogan: architecture 9 is not one of dcgan, dcgan-t, resnet, mlp");
    assert_int_equal(nb_fanogan_config_check(NULL), -1);
    tu_expect_error("fanogan: no configuration given");
}

/* the port's names, as PyTorch's state_dict() lists parameters */
static const char *const dcgan_g_params[] = {
    "l1.0.weight",          "l1.0.bias",          "conv_blocks.0.weight", "conv_blocks.0.bias",
    "conv_blocks.2.weight", "conv_blocks.2.bias", "conv_blocks.3.weight", "conv_blocks.3.bias",
    "conv_blocks.6.weight", "conv_blocks.6.bias", "conv_blocks.7.weight", "conv_blocks.7.bias",
    "conv_blocks.9.weight", "conv_blocks.9.bias"};
static const char *const dcgan_d_params[] = {
    "model.0.weight",  "model.0.bias",  "model.3.weight",  "model.3.bias",     "model.6.weight",
    "model.6.bias",    "model.7.weight", "model.7.bias",   "model.10.weight",  "model.10.bias",
    "model.11.weight", "model.11.bias", "model.14.weight", "model.14.bias",    "adv_layer.0.weight",
    "adv_layer.0.bias"};

static int64_t conv(int64_t in, int64_t out, int64_t k) { return in * out * k * k + out; }
static int64_t lin(int64_t in, int64_t out) { return in * out + out; }

static void test_dcgan_names_and_counts(void **s) {
    (void)s;
    nb_fanogan_config c = nb_fanogan_config_defaults(NB_FANOGAN_DCGAN); /* 64x64x3, latent 100 */
    nb_fanogan *m = nb_fanogan_new(&c);
    assert_non_null(m);
    tu_assert_names(nb_module_parameters(m->generator), 14, dcgan_g_params);
    tu_assert_names(nb_module_parameters(m->discriminator), 16, dcgan_d_params);
    tu_assert_names(nb_module_parameters(m->encoder), 16, dcgan_d_params); /* the same layout */
    /* G: Linear(100, 128*16*16), BN(128), Conv(128,128,3), BN(128), Conv(128,64,3), BN(64), Conv(64,3,3) */
    int64_t g = lin(100, 128 * 16 * 16) + 2 * 128 + conv(128, 128, 3) + 2 * 128 + conv(128, 64, 3) + 2 * 64 +
                conv(64, 3, 3);
    /* D: Conv(3,16), Conv(16,32) BN(32), Conv(32,64) BN(64), Conv(64,128) BN(128), Linear(128*4*4, 1) */
    int64_t trunk = conv(3, 16, 3) + conv(16, 32, 3) + 2 * 32 + conv(32, 64, 3) + 2 * 64 + conv(64, 128, 3) + 2 * 128;
    assert_int_equal(g, 3533315); /* as PyTorch counts the port's Generator */
    assert_int_equal(nb_module_num_elements(m->generator), g);
    assert_int_equal(nb_module_num_elements(m->discriminator), trunk + lin(2048, 1));
    assert_int_equal(nb_module_num_elements(m->encoder), trunk + lin(2048, 100));
    assert_int_equal(nb_module_num_elements(m->discriminator), 99937);
    /* buffers: running_mean, running_var, num_batches_tracked of each BatchNorm */
    const nb_named_tensors *gb = nb_module_buffers(m->generator);
    assert_int_equal(gb->n, 9);
    assert_string_equal(gb->names[0], "conv_blocks.0.running_mean");
    assert_string_equal(gb->names[8], "conv_blocks.7.num_batches_tracked");
    assert_int_equal(nb_module_buffers(m->discriminator)->n, 9);
    /* state dict: per module its parameters, then its buffers */
    const nb_named_tensors *sd = nb_module_state_dict(m->generator);
    assert_int_equal(sd->n, 14 + 9);
    assert_string_equal(sd->names[4], "conv_blocks.0.running_mean");
    assert_string_equal(sd->names[7], "conv_blocks.2.weight");
    /* shapes as PyTorch's: Linear [out, in], Conv [out, in, k, k] */
    nb_tensor *w = nb_named_find(nb_module_parameters(m->generator), "l1.0.weight");
    assert_true(w->shape[0] == 32768 && w->shape[1] == 100);
    w = nb_named_find(nb_module_parameters(m->discriminator), "model.3.weight");
    assert_true(w->ndim == 4 && w->shape[0] == 32 && w->shape[1] == 16 && w->shape[2] == 3);
    /* the one checkpoint of all three */
    const nb_named_tensors *all = nb_fanogan_state_dict(m);
    assert_int_equal(all->n, (14 + 9) + (16 + 9) + (16 + 9));
    assert_string_equal(all->names[0], "generator.l1.0.weight");
    assert_string_equal(all->names[23], "discriminator.model.0.weight");
    assert_string_equal(all->names[all->n - 1], "encoder.adv_layer.0.bias");
    assert_ptr_equal(all->tensors[0], nb_module_parameters(m->generator)->tensors[0]);
    /* the Encoder's head ends in a Tanh, the Discriminator's does not */
    assert_int_equal(nb_module_num_children(nb_module_child(m->encoder, "adv_layer")), 2);
    assert_int_equal(nb_module_num_children(nb_module_child(m->discriminator, "adv_layer")), 1);
    assert_int_equal(nb_fanogan_feature_dim(m), 2048);
    nb_fanogan_free(m);
    TU_NO_ERROR();
}

static void test_dcgan_t_names(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_DCGAN_T, 32, 1, 16);
    const char *want[] = {"l1.0.weight",          "l1.0.bias",          "conv_blocks.0.weight",
                          "conv_blocks.0.bias",   "conv_blocks.1.weight", "conv_blocks.1.bias",
                          "conv_blocks.2.weight", "conv_blocks.2.bias", "conv_blocks.4.weight",
                          "conv_blocks.4.bias",   "conv_blocks.5.weight", "conv_blocks.5.bias",
                          "conv_blocks.7.weight", "conv_blocks.7.bias"};
    tu_assert_names(nb_module_parameters(m->generator), 14, want);
    /* ConvTranspose2d's weight is [in, out, k, k] */
    nb_tensor *w = nb_named_find(nb_module_parameters(m->generator), "conv_blocks.4.weight");
    assert_true(w->shape[0] == 128 && w->shape[1] == 64 && w->shape[2] == 4);
    int64_t g = lin(16, 128 * 8 * 8) + 2 * 128 + conv(128, 128, 4) + 2 * 128 + conv(128, 64, 4) + 2 * 64 + conv(64, 1, 3);
    assert_int_equal(nb_module_num_elements(m->generator), g);
    nb_fanogan_free(m);
    TU_NO_ERROR();
}

static void test_mlp_and_resnet_names(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 28, 1, 100);
    /* mnist/model.py: Linear blocks 128-256-512-1024 (BatchNorm1d on all but the first) */
    const char *g[] = {"model.0.weight", "model.0.bias", "model.2.weight",  "model.2.bias",
                       "model.3.weight", "model.3.bias", "model.5.weight",  "model.5.bias",
                       "model.6.weight", "model.6.bias", "model.8.weight",  "model.8.bias",
                       "model.9.weight", "model.9.bias", "model.11.weight", "model.11.bias"};
    tu_assert_names(nb_module_parameters(m->generator), 16, g);
    tu_assert_names(nb_module_parameters(m->discriminator), 6,
                    (const char *[]){"features.0.weight", "features.0.bias", "features.2.weight",
                                     "features.2.bias", "last_layer.0.weight", "last_layer.0.bias"});
    tu_assert_names(nb_module_parameters(m->encoder), 6,
                    (const char *[]){"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias",
                                     "model.4.weight", "model.4.bias"});
    assert_int_equal(nb_module_num_elements(m->generator), lin(100, 128) + lin(128, 256) + 2 * 256 +
                                                               lin(256, 512) + 2 * 512 + lin(512, 1024) +
                                                               2 * 1024 + lin(1024, 784));
    assert_int_equal(nb_module_num_elements(m->discriminator), lin(784, 512) + lin(512, 256) + lin(256, 1));
    assert_int_equal(nb_module_num_elements(m->encoder), lin(784, 512) + lin(512, 256) + lin(256, 100));
    assert_int_equal(nb_fanogan_feature_dim(m), 256);
    nb_fanogan_free(m);

    nb_fanogan_config c = tu_fanogan_config(NB_FANOGAN_RESNET, 64, 1, 128);
    c.dim = 4;
    m = nb_fanogan_new(&c);
    assert_non_null(m);
    const nb_named_tensors *p = nb_module_parameters(m->discriminator);
    const char *d[] = {"input.weight", "input.bias", "res1.shortcut.weight", "res1.shortcut.bias",
                       "res1.norm1.weight", "res1.norm1.bias", "res1.conv1.weight", "res1.norm2.weight",
                       "res1.norm2.bias", "res1.conv2.weight", "res1.conv2.bias"};
    for (int i = 0; i < 11; i++) assert_string_equal(p->names[i], d[i]);
    assert_string_equal(p->names[p->n - 1], "output.bias");
    /* the critic normalizes with LayerNorm over [C,H,W], G and E with BatchNorm */
    nb_tensor *ln = nb_named_find(p, "res1.norm1.weight");
    assert_true(ln->ndim == 3 && ln->shape[0] == 4 && ln->shape[1] == 64 && ln->shape[2] == 64);
    assert_int_equal(nb_module_buffers(m->discriminator)->n, 0);
    assert_true(nb_module_is(nb_module_child(nb_module_child(m->encoder, "res2"), "norm2"), "BatchNorm2d"));
    assert_true(nb_module_is(nb_module_child(nb_module_child(m->generator, "res2"), "norm1"), "BatchNorm2d"));
    /* the paper's widths: G's Linear gives 8 dim x 4 x 4, D's features are 8 dim x 4 x 4 */
    nb_tensor *w = nb_named_find(nb_module_parameters(m->generator), "input.weight");
    assert_true(w->shape[0] == 8 * 4 * 16 && w->shape[1] == 128);
    assert_null(nb_named_find(nb_module_parameters(m->generator), "res1.conv1.bias"));
    assert_int_equal(nb_fanogan_feature_dim(m), 8 * 4 * 16);
    w = nb_named_find(nb_module_parameters(m->encoder), "output.weight");
    assert_true(w->shape[0] == 128 && w->shape[1] == 8 * 4 * 16);
    nb_fanogan_free(m);
    TU_NO_ERROR();
}

/* every forward function of every architecture, at two sizes each */
static void test_forward_shapes(void **s) {
    (void)s;
    struct {
        nb_fanogan_arch arch;
        int size, channels;
    } cases[] = {{NB_FANOGAN_DCGAN, 16, 1},   {NB_FANOGAN_DCGAN, 32, 3},  {NB_FANOGAN_DCGAN_T, 16, 3},
                 {NB_FANOGAN_DCGAN_T, 32, 1}, {NB_FANOGAN_RESNET, 16, 1}, {NB_FANOGAN_RESNET, 32, 3},
                 {NB_FANOGAN_MLP, 8, 1},      {NB_FANOGAN_MLP, 12, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int sz = cases[i].size, ch = cases[i].channels, latent = 5;
        nb_fanogan *m = tu_fanogan_tiny(cases[i].arch, sz, ch, latent);
        for (int mode = 0; mode < 2; mode++) {
            nb_fanogan_train(m, mode == 0);
            nb_tensor *x = nb_fanogan_generate(m, nb_fanogan_sample_z(m, 3, NB_FANOGAN_Z_NORMAL));
            nb_tensor *d = nb_fanogan_critic(m, x), *f = nb_fanogan_features(m, x), *z = nb_fanogan_encode(m, x);
            TU_NO_ERROR();
            assert_true(x->ndim == 4 && x->shape[0] == 3 && x->shape[1] == ch && x->shape[2] == sz &&
                        x->shape[3] == sz);
            assert_true(d->ndim == 2 && d->shape[0] == 3 && d->shape[1] == 1);
            assert_true(f->ndim == 2 && f->shape[0] == 3 && f->shape[1] == nb_fanogan_feature_dim(m));
            assert_true(z->ndim == 2 && z->shape[0] == 3 && z->shape[1] == latent);
            for (int64_t k = 0; k < x->numel; k++) assert_true(x->data[k] > -1 && x->data[k] < 1); /* tanh */
            /* the root module is the reconstruction G(E(x)) */
            assert_true(nb_same_shape(nb_forward(m->root, x), x));
        }
        nb_fanogan_free(m);
    }
    TU_NO_ERROR();
}

/* the same seed gives the same networks; modes apply to all three */
static void test_seeded_and_modes(void **s) {
    (void)s;
    nb_seed(7);
    nb_fanogan *a = tu_fanogan_tiny(NB_FANOGAN_MLP, 6, 1, 3);
    nb_seed(7);
    nb_fanogan *b = tu_fanogan_tiny(NB_FANOGAN_MLP, 6, 1, 3);
    tu_assert_same_tensors(nb_fanogan_state_dict(a), nb_fanogan_state_dict(b));
    nb_fanogan_train(a, false);
    assert_false(a->generator->training || a->discriminator->training || a->encoder->training);
    assert_false(nb_module_child_at(nb_module_child(a->generator, "model"), 3)->training);
    nb_fanogan_train(a, true);
    assert_true(a->encoder->training);
    assert_true(nb_module_is(a->root, "FAnoGAN"));
    nb_fanogan_free(a);
    nb_fanogan_free(b);
    nb_fanogan_free(NULL);
    TU_NO_ERROR();
}

/* one checkpoint of all three networks, loaded into a differently seeded model */
static void test_checkpoint_round_trip(void **s) {
    (void)s;
    nb_seed(1);
    nb_fanogan *a = tu_fanogan_tiny(NB_FANOGAN_DCGAN, 16, 1, 3);
    nb_seed(2);
    nb_fanogan *b = tu_fanogan_tiny(NB_FANOGAN_DCGAN, 16, 1, 3);
    nb_fanogan_train(a, true); /* move the running statistics away from their start */
    nb_fanogan_critic(a, nb_uniform(NB_SHAPE(4, 1, 16, 16), -1, 1));
    char path[] = "/tmp/nb_fanogan_ckpt_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const nb_named_tensors *sa = nb_fanogan_state_dict(a), *sb = nb_fanogan_state_dict(b);
    assert_int_equal(nb_npz_save(path, sa->n, sa->names, sa->tensors), 0);
    assert_int_equal(nb_npz_load_into(path, sb->n, sb->names, sb->tensors), 0);
    unlink(path);
    TU_NO_ERROR();
    tu_assert_same_tensors(sa, sb);
    /* a checkpoint of another architecture does not load, and says why */
    nb_fanogan *other = tu_fanogan_tiny(NB_FANOGAN_DCGAN_T, 16, 1, 3);
    const nb_named_tensors *so = nb_fanogan_state_dict(other);
    fd = mkstemp(path);
    close(fd);
    assert_int_equal(nb_npz_save(path, so->n, so->names, so->tensors), 0);
    assert_int_equal(nb_npz_load_into(path, sb->n, sb->names, sb->tensors), -1);
    unlink(path);
    assert_non_null(strstr(nb_error(), "'generator.conv_blocks.2.weight' shape [128] vs [128,128,3,3]"));
    nb_error_clear();
    nb_fanogan_free(a);
    nb_fanogan_free(b);
    nb_fanogan_free(other);
}

static void test_forward_errors(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 3);
    assert_null(nb_fanogan_generate(m, nb_zeros(NB_SHAPE(2, 4))));
    tu_expect_error("fanogan_generate: z [2,4] is not [N,3]");
    assert_null(nb_fanogan_critic(m, nb_zeros(NB_SHAPE(2, 1, 5, 4))));
    tu_expect_error("fanogan_critic: images [2,1,5,4] do not fit the model's [N,1,4,4]");
    assert_null(nb_fanogan_features(m, nb_zeros(NB_SHAPE(2, 16))));
    tu_expect_error("fanogan_features: images [2,16] do not fit the model's [N,1,4,4]");
    assert_null(nb_fanogan_encode(m, nb_zeros(NB_SHAPE(2, 3, 4, 4))));
    tu_expect_error("fanogan_encode: images [2,3,4,4] do not fit");
    assert_null(nb_fanogan_encode(NULL, nb_zeros(NB_SHAPE(2, 1, 4, 4))));
    tu_expect_error("fanogan_encode: no model");
    assert_null(nb_fanogan_critic(NULL, nb_zeros(NB_SHAPE(2, 1, 4, 4))));
    tu_expect_error("fanogan_critic: no model");
    assert_null(nb_fanogan_features(NULL, nb_zeros(NB_SHAPE(2, 1, 4, 4))));
    tu_expect_error("fanogan_features: no model");
    assert_null(nb_fanogan_generate(NULL, nb_zeros(NB_SHAPE(2, 3))));
    tu_expect_error("fanogan_generate: no model");
    assert_null(nb_fanogan_generate(m, NULL));
    tu_expect_error("NULL tensor passed to an op");
    assert_null(nb_fanogan_state_dict(NULL));
    tu_expect_error("fanogan: no model");
    assert_int_equal(nb_fanogan_feature_dim(NULL), 0);
    assert_null(nb_fanogan_sample_z(NULL, 2, NB_FANOGAN_Z_NORMAL));
    tu_expect_error("fanogan_sample_z: needs a model");
    assert_null(nb_fanogan_sample_z(m, 0, NB_FANOGAN_Z_NORMAL));
    tu_expect_error("fanogan_sample_z: needs a model and n >= 1, got n = 0");
    /* a NULL input (an earlier failure) gives NULL, the core's message if none was pending */
    assert_null(nb_fanogan_critic(m, NULL));
    tu_expect_error("NULL tensor passed to an op");
    nb_tensor *u = nb_fanogan_sample_z(m, 500, NB_FANOGAN_Z_UNIFORM);
    for (int64_t k = 0; k < u->numel; k++) assert_true(u->data[k] >= -1 && u->data[k] < 1);
    nb_fanogan_free(m);
    TU_NO_ERROR();
}

static void test_print(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 3);
    tu_assert_prints(m->discriminator, "Discriminator(\n"
                                         "  (features): Sequential(\n"
                                         "    (0): Linear(in_features=16, out_features=512, bias=True)\n"
                                         "    (1): LeakyReLU(negative_slope=0.2)\n"
                                         "    (2): Linear(in_features=512, out_features=256, bias=True)\n"
                                         "    (3): LeakyReLU(negative_slope=0.2)\n"
                                         "  )\n"
                                         "  (last_layer): Sequential(\n"
                                         "    (0): Linear(in_features=256, out_features=1, bias=True)\n"
                                         "  )\n"
                                         ")\n");
    nb_fanogan_free(m);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_names_parse_and_defaults), TU_TEST(test_config_errors),   TU_TEST(test_dcgan_names_and_counts),
        TU_TEST(test_dcgan_t_names),            TU_TEST(test_mlp_and_resnet_names), TU_TEST(test_forward_shapes),
        TU_TEST(test_seeded_and_modes),         TU_TEST(test_checkpoint_round_trip), TU_TEST(test_forward_errors),
        TU_TEST(test_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
