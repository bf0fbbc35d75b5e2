/* test_layers_conv.c — the layers over the convolution, normalization,
 * dropout and resampling ops: parameter and buffer names and shapes,
 * PyTorch's default and DCGAN initializations, forward values in training and
 * eval mode (running statistics, num_batches_tracked), errors, printing, and
 * f-AnoGAN-shaped models with their PyTorch state_dict names. */
#include <math.h>
#include <string.h>
#include "nb_models.h"
#include "model_checks.h"
#include "test_util.h"

#ifdef NB_DOUBLE
#define TOL 1e-10
#else
#define TOL 1e-5
#endif

static void assert_shape(const nb_tensor *t, int ndim, const int64_t *shape) {
    assert_non_null(t);
    assert_int_equal(t->ndim, ndim);
    for (int d = 0; d < ndim; d++) assert_int_equal(t->shape[d], shape[d]);
}

static double max_abs(const nb_tensor *t) {
    double m = 0;
    for (int64_t i = 0; i < t->numel; i++) m = fmax(m, fabs(t->data[i]));
    return m;
}

/* ---- convolutions ------------------------------------------------------------- */

static void test_conv2d_parameters_and_default_init(void **s) {
    (void)s;
    nb_module *c = nb_Conv2d(8, 64, 3, 2, 1, true);
    nb_tensor *w = nb_module_param(c, "weight"), *b = nb_module_param(c, "bias");
    assert_shape(w, NB_SHAPE(64, 8, 3, 3));
    assert_shape(b, NB_SHAPE(64));
    /* fan_in = 8 * 3 * 3 = 72: both U(-1/sqrt(72), 1/sqrt(72)) */
    double bound = 1 / sqrt(72.0), mean, std;
    assert_true(max_abs(w) <= bound && max_abs(w) > 0.98 * bound);
    assert_true(max_abs(b) <= bound && max_abs(b) > 0.5 * bound);
    tu_mean_std(w, &mean, &std);
    assert_true(fabs(std - bound / sqrt(3.0)) < 0.05 * bound); /* a uniform's std */
    nb_module *nobias = nb_Conv2d(8, 64, 3, 1, 0, false);
    assert_null(nb_module_param(nobias, "bias"));
    nb_module *grouped = nb_Conv2d_ex(8, 4, 3, (nb_conv_params){.groups = 2, .dilation = 2}, true);
    assert_shape(nb_module_param(grouped, "weight"), NB_SHAPE(4, 4, 3, 3));
    tu_assert_prints(c, "Conv2d(8, 64, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))\n");
    tu_assert_prints(nobias, "Conv2d(8, 64, kernel_size=(3, 3), stride=(1, 1), bias=False)\n");
    tu_assert_prints(grouped, "Conv2d(8, 4, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2), groups=2)\n");
    nb_module_free(c);
    nb_module_free(nobias);
    nb_module_free(grouped);
    TU_NO_ERROR();
    assert_null(nb_Conv2d_ex(6, 4, 3, (nb_conv_params){.groups = 4}, true));
    tu_expect_error("Conv2d: in 6, out 4, kernel 3, groups 4");
    assert_null(nb_Conv2d(3, 8, 3, -1, 0, true));
    tu_expect_error("cannot be negative");
    assert_null(nb_ConvTranspose2d(0, 8, 4, 2, 1, true));
    tu_expect_error("ConvTranspose2d: in 0");
}

static void test_conv2d_forward(void **s) {
    (void)s;
    /* a 1x1 convolution mixes channels per pixel: y[o] = sum_i w[o,i] x[i] + b[o] */
    nb_module *c = nb_Conv2d(2, 1, 1, 1, 0, true);
    memcpy(nb_module_param(c, "weight")->data, (nb_real[]){2, -1}, 2 * sizeof(nb_real));
    nb_module_param(c, "bias")->data[0] = 0.5;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 2, 1, 2), (nb_real[]){1, 2, 3, 4});
    tu_assert_close(nb_forward(c, x)->data, (double[]){2 - 3 + 0.5, 4 - 4 + 0.5}, 2, TOL);
    /* 3x3 of ones, padding 1, on ones [1,1,3,3]: the centre sees 9 inputs, a corner 4 */
    nb_module *k = nb_Conv2d(1, 1, 3, 1, 1, false);
    nb_init_constant(nb_module_param(k, "weight"), 1);
    nb_tensor *y = nb_forward(k, nb_ones(NB_SHAPE(1, 1, 3, 3)));
    assert_shape(y, NB_SHAPE(1, 1, 3, 3));
    tu_assert_close(y->data, (double[]){4, 6, 4, 6, 9, 6, 4, 6, 4}, 9, TOL);
    /* stride 2, padding 1, kernel 3 halves 32 -> 16, as in f-AnoGAN's discriminator */
    nb_module *down = nb_Conv2d(1, 16, 3, 2, 1, true);
    assert_shape(nb_forward(down, nb_ones(NB_SHAPE(2, 1, 32, 32))), NB_SHAPE(2, 16, 16, 16));
    assert_null(nb_forward(down, nb_ones(NB_SHAPE(2, 3, 32, 32))));
    assert_non_null(nb_error()); /* 3 channels into a 1-channel convolution */
    nb_error_clear();
    nb_module_free(c);
    nb_module_free(k);
    nb_module_free(down);
}

static void test_conv_transpose2d(void **s) {
    (void)s;
    nb_module *up = nb_ConvTranspose2d(100, 64, 4, 1, 0, false);
    nb_tensor *w = nb_module_param(up, "weight");
    assert_shape(w, NB_SHAPE(100, 64, 4, 4));
    /* PyTorch's fan_in comes from dim 1: 64 * 4 * 4 = 1024 */
    assert_int_equal(nb_fan_in(w), 1024);
    assert_true(max_abs(w) <= 1 / 32.0 && max_abs(w) > 0.99 / 32.0);
    /* DCGAN's generator: [N,100,1,1] -> [N,64,4,4] -> (stride 2, padding 1) [N,32,8,8] */
    nb_module *up2 = nb_ConvTranspose2d(64, 32, 4, 2, 1, true);
    nb_tensor *y = nb_forward(up2, nb_forward(up, nb_ones(NB_SHAPE(2, 100, 1, 1))));
    assert_shape(y, NB_SHAPE(2, 32, 8, 8));
    assert_shape(nb_module_param(up2, "bias"), NB_SHAPE(32));
    /* a 1x1 transposed convolution is the transposed channel mix: y[o] = sum_i w[i,o] x[i] */
    nb_module *t = nb_ConvTranspose2d(2, 1, 1, 1, 0, false);
    memcpy(nb_module_param(t, "weight")->data, (nb_real[]){2, -1}, 2 * sizeof(nb_real));
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 2, 1, 2), (nb_real[]){1, 2, 3, 4});
    tu_assert_close(nb_forward(t, x)->data, (double[]){-1, 0}, 2, TOL);
    tu_assert_prints(up, "ConvTranspose2d(100, 64, kernel_size=(4, 4), stride=(1, 1), bias=False)\n");
    tu_assert_prints(up2, "ConvTranspose2d(64, 32, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n");
    nb_module_free(up);
    nb_module_free(up2);
    nb_module_free(t);
    TU_NO_ERROR();
}

/* ---- normalization ---------------------------------------------------------------- */

static void test_batchnorm2d_train_and_eval(void **s) {
    (void)s;
    nb_module *bn = nb_BatchNorm2d(2, 1e-5, 0.1);
    tu_assert_names(nb_module_state_dict(bn), 5,
                 (const char *[]){"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
    tu_assert_names(nb_module_parameters(bn), 2, (const char *[]){"weight", "bias"});
    tu_assert_close(nb_module_param(bn, "weight")->data, (double[]){1, 1}, 2, 0);
    tu_assert_close(nb_module_buffer(bn, "running_var")->data, (double[]){1, 1}, 2, 0);
    assert_int_equal(nb_module_buffer(bn, "num_batches_tracked")->ndim, 0);
    /* channel 0 holds 1..4, channel 1 holds 10, 10, 10, 14 (N = 2, H = 1, W = 2) */
    nb_tensor *x = nb_from_data(NB_SHAPE(2, 2, 1, 2), (nb_real[]){1, 2, 10, 10, 3, 4, 10, 14});
    nb_tensor *y = nb_forward(bn, x);
    /* channel 0: mean 2.5, biased var 1.25, unbiased 5/3 */
    double sd0 = sqrt(1.25 + 1e-5);
    tu_assert_close(y->data, (double[]){-1.5 / sd0, -0.5 / sd0}, 2, 1e-6);
    tu_assert_close(nb_module_buffer(bn, "running_mean")->data, (double[]){0.25, 1.1}, 2, 1e-6);
    tu_assert_close(nb_module_buffer(bn, "running_var")->data, (double[]){0.9 + 0.1 * 5 / 3.0, 0.9 + 0.1 * 4},
                    2, 1e-6);
    assert_true(nb_module_buffer(bn, "num_batches_tracked")->data[0] == 1);
    /* eval: the running statistics, and nothing is updated */
    nb_module_eval(bn);
    memcpy(nb_module_param(bn, "weight")->data, (nb_real[]){2, 1}, 2 * sizeof(nb_real));
    memcpy(nb_module_param(bn, "bias")->data, (nb_real[]){0.5, 0}, 2 * sizeof(nb_real));
    y = nb_forward(bn, x);
    double rv0 = 0.9 + 0.1 * 5 / 3.0;
    tu_assert_close(y->data, (double[]){2 * (1 - 0.25) / sqrt(rv0 + 1e-5) + 0.5, 2 * (2 - 0.25) / sqrt(rv0 + 1e-5) + 0.5},
                    2, 1e-6);
    tu_assert_close(nb_module_buffer(bn, "running_mean")->data, (double[]){0.25, 1.1}, 2, 1e-6);
    assert_true(nb_module_buffer(bn, "num_batches_tracked")->data[0] == 1);
    assert_null(nb_forward(bn, nb_ones(NB_SHAPE(2, 2))));
    tu_expect_error("BatchNorm2d: expects [N,C,H,W] input, got [2,2]");
    nb_module_free(bn);
}

/* f-AnoGAN writes nn.BatchNorm2d(C, 0.8): an eps of 0.8, which eval mode must use. */
static void test_batchnorm_eps_and_1d(void **s) {
    (void)s;
    nb_module *bn = nb_BatchNorm2d(1, 0.8, 0.1);
    nb_module_eval(bn);
    nb_tensor *y = nb_forward(bn, nb_full(NB_SHAPE(1, 1, 1, 1), 3));
    tu_assert_close(y->data, (double[]){3 / sqrt(1.8)}, 1, 1e-6);
    tu_assert_prints(bn, "BatchNorm2d(1, eps=0.8, momentum=0.1, affine=True, track_running_stats=True)\n");
    nb_module *b1 = nb_BatchNorm1d(3, 1e-5, 0.1);
    nb_tensor *x2 = nb_uniform(NB_SHAPE(8, 3), -1, 1), *x3 = nb_uniform(NB_SHAPE(4, 3, 5), -1, 1);
    nb_tensor *y2 = nb_forward(b1, x2), *y3 = nb_forward(b1, x3);
    assert_shape(y2, NB_SHAPE(8, 3));
    assert_shape(y3, NB_SHAPE(4, 3, 5));
    /* [N,C,L]: each channel over N and L has mean 0 and (biased) variance ~1 */
    double m = 0, v = 0;
    for (int n = 0; n < 4; n++)
        for (int l = 0; l < 5; l++) m += y3->data[n * 15 + 5 + l], v += y3->data[n * 15 + 5 + l] * y3->data[n * 15 + 5 + l];
    assert_true(fabs(m / 20) < 1e-5 && fabs(v / 20 - 1) < 1e-3);
    assert_true(nb_module_buffer(b1, "num_batches_tracked")->data[0] == 2);
    assert_null(nb_forward(b1, nb_ones(NB_SHAPE(2, 3, 4, 4))));
    tu_expect_error("BatchNorm1d: expects [N,C] or [N,C,L] input, got [2,3,4,4]");
    assert_null(nb_BatchNorm2d(4, 1e-5, 1.5));
    tu_expect_error("momentum 1.5");
    nb_module_free(bn);
    nb_module_free(b1);
}

static void test_layer_norm(void **s) {
    (void)s;
    nb_module *ln = nb_LayerNorm(NB_SHAPE(4), 1e-5);
    tu_assert_names(nb_module_parameters(ln), 2, (const char *[]){"weight", "bias"});
    nb_tensor *y = nb_forward(ln, nb_from_data(NB_SHAPE(1, 4), (nb_real[]){1, 2, 3, 4}));
    double sd = sqrt(1.25 + 1e-5);
    tu_assert_close(y->data, (double[]){-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, 4, 1e-6);
    tu_assert_prints(ln, "LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n");
    nb_module *ln3 = nb_LayerNorm(NB_SHAPE(2, 3, 3), 1e-5);
    assert_shape(nb_module_param(ln3, "weight"), NB_SHAPE(2, 3, 3));
    assert_shape(nb_forward(ln3, nb_uniform(NB_SHAPE(5, 2, 3, 3), -1, 1)), NB_SHAPE(5, 2, 3, 3));
    tu_assert_prints(ln3, "LayerNorm((2, 3, 3), eps=1e-05, elementwise_affine=True)\n");
    nb_module_free(ln);
    nb_module_free(ln3);
    TU_NO_ERROR();
}

/* ---- dropout and resampling -------------------------------------------------------- */

static void test_dropout_train_and_eval(void **s) {
    (void)s;
    nb_module *d = nb_Dropout(0.25), *d2 = nb_Dropout2d(0.5);
    nb_tensor *x = nb_ones(NB_SHAPE(100, 100));
    nb_tensor *y = nb_forward(d, x);
    int64_t zeros = 0;
    for (int64_t i = 0; i < y->numel; i++) {
        zeros += y->data[i] == 0;
        assert_true(y->data[i] == 0 || fabs(y->data[i] - 1 / 0.75) < 1e-6);
    }
    assert_true(zeros > 2300 && zeros < 2700);
    /* Dropout2d drops whole channels of [N,C,H,W] */
    nb_tensor *y2 = nb_forward(d2, nb_ones(NB_SHAPE(4, 8, 3, 3)));
    for (int c = 0; c < 32; c++)
        for (int k = 1; k < 9; k++) assert_true(y2->data[c * 9 + k] == y2->data[c * 9]);
    nb_module *net = NB_SEQUENTIAL(d, d2);
    nb_module_eval(net);
    nb_tensor *x4 = nb_uniform(NB_SHAPE(2, 3, 2, 2), -1, 1);
    tu_assert_close(nb_forward(net, x4)->data, (double[]){x4->data[0], x4->data[1], x4->data[2]}, 3, 0);
    tu_assert_prints(net, "Sequential(\n  (0): Dropout(p=0.25, inplace=False)\n"
                       "  (1): Dropout2d(p=0.5, inplace=False)\n)\n");
    assert_null(nb_Dropout(1.5));
    tu_expect_error("Dropout: probability 1.5 is not in [0, 1]");
    nb_module_free(net);
}

static void test_upsample(void **s) {
    (void)s;
    nb_module *u = nb_Upsample(2);
    nb_tensor *y = nb_forward(u, nb_from_data(NB_SHAPE(1, 1, 2, 2), (nb_real[]){1, 2, 3, 4}));
    assert_shape(y, NB_SHAPE(1, 1, 4, 4));
    tu_assert_close(y->data, (double[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 16, 0);
    tu_assert_prints(u, "Upsample(scale_factor=2.0, mode='nearest')\n");
    assert_null(nb_Upsample(0));
    tu_expect_error("Upsample: scale 0");
    nb_module_free(u);
}

/* ---- models --------------------------------------------------------------------------- */

static void test_dcgan_init(void **s) {
    (void)s;
    nb_module *net = NB_SEQUENTIAL(nb_ConvTranspose2d(16, 64, 4, 1, 0, false), nb_BatchNorm2d(64, 1e-5, 0.1),
                                   nb_ReLU(), nb_Conv2d(64, 64, 3, 1, 1, true), nb_BatchNorm1d(4000, 1e-5, 0.1));
    nb_tensor *cb = nb_clone(nb_module_param(nb_module_child_at(net, 3), "bias"));
    nb_init_dcgan(net);
    double mean, std;
    tu_mean_std(nb_module_param(nb_module_child_at(net, 0), "weight"), &mean, &std);
    assert_true(fabs(mean) < 0.001 && fabs(std - 0.02) < 0.001);
    tu_mean_std(nb_module_param(nb_module_child_at(net, 3), "weight"), &mean, &std);
    assert_true(fabs(mean) < 0.001 && fabs(std - 0.02) < 0.001);
    assert_memory_equal(nb_module_param(nb_module_child_at(net, 3), "bias")->data, cb->data, 64 * sizeof(nb_real));
    tu_mean_std(nb_module_param(nb_module_child_at(net, 4), "weight"), &mean, &std);
    assert_true(fabs(mean - 1) < 0.002 && fabs(std - 0.02) < 0.002);
    assert_true(max_abs(nb_module_param(nb_module_child_at(net, 4), "bias")) == 0);
    assert_true(max_abs(nb_module_param(nb_module_child_at(net, 1), "bias")) == 0);
    nb_module_free(net);
    TU_NO_ERROR();
}

/* f-AnoGAN's discriminator (PyTorch-GAN layout), 32x32 images: its state_dict
 * names are PyTorch's, so checkpoints map one to one. */
static nb_module *discriminator(void) {
    nb_module *d = nb_Sequential(0, NULL);
    nb_module_add(d, "model",
                  NB_SEQUENTIAL(nb_Conv2d(1, 16, 3, 2, 1, true), nb_LeakyReLU(0.2), nb_Dropout2d(0.25),
                                nb_Conv2d(16, 32, 3, 2, 1, true), nb_LeakyReLU(0.2), nb_Dropout2d(0.25),
                                nb_BatchNorm2d(32, 0.8, 0.1), nb_Conv2d(32, 64, 3, 2, 1, true),
                                nb_LeakyReLU(0.2), nb_Dropout2d(0.25), nb_BatchNorm2d(64, 0.8, 0.1)));
    nb_module_add(d, "flatten", nb_Flatten());
    nb_module_add(d, "adv_layer", NB_SEQUENTIAL(nb_Linear(64 * 4 * 4, 1, true)));
    return d;
}

/* f-AnoGAN's generator: Linear, view, BatchNorm, Upsample, Conv blocks, Tanh */
static nb_module *generator(void) {
    nb_module *g = nb_Sequential(0, NULL);
    nb_module_add(g, "l1", NB_SEQUENTIAL(nb_Linear(8, 32 * 8 * 8, true)));
    nb_module_add(g, "view", nb_Reshape(NB_SHAPE(32, 8, 8)));
    nb_module_add(g, "conv_blocks",
                  NB_SEQUENTIAL(nb_BatchNorm2d(32, 1e-5, 0.1), nb_Upsample(2), nb_Conv2d(32, 32, 3, 1, 1, true),
                                nb_BatchNorm2d(32, 0.8, 0.1), nb_LeakyReLU(0.2), nb_Upsample(2),
                                nb_Conv2d(32, 16, 3, 1, 1, true), nb_BatchNorm2d(16, 0.8, 0.1), nb_LeakyReLU(0.2),
                                nb_Conv2d(16, 1, 3, 1, 1, true), nb_Tanh()));
    return g;
}

static void test_fanogan_shaped_models(void **s) {
    (void)s;
    nb_module *d = discriminator(), *g = generator();
    const nb_named_tensors *sd = nb_module_state_dict(d);
    assert_int_equal(sd->n, 2 + 2 + 5 + 2 + 5 + 2);
    const char *head[] = {"model.0.weight", "model.0.bias", "model.3.weight", "model.3.bias",
                          "model.6.weight", "model.6.bias", "model.6.running_mean", "model.6.running_var",
                          "model.6.num_batches_tracked", "model.7.weight"};
    for (int i = 0; i < 10; i++) assert_string_equal(sd->names[i], head[i]);
    assert_string_equal(sd->names[sd->n - 1], "adv_layer.0.bias");
    assert_string_equal(nb_module_parameters(g)->names[2], "conv_blocks.0.weight");
    tu_assert_names(nb_module_buffers(g), 9,
                 (const char *[]){"conv_blocks.0.running_mean", "conv_blocks.0.running_var",
                                  "conv_blocks.0.num_batches_tracked", "conv_blocks.3.running_mean",
                                  "conv_blocks.3.running_var", "conv_blocks.3.num_batches_tracked",
                                  "conv_blocks.7.running_mean", "conv_blocks.7.running_var",
                                  "conv_blocks.7.num_batches_tracked"});
    nb_module_free(d);
    nb_module_free(g);
    TU_NO_ERROR();
}

static void test_gan_step_shapes_and_gradients(void **s) {
    (void)s;
    nb_module *d = discriminator(), *g = generator();
    nb_init_dcgan(d);
    nb_init_dcgan(g);
    nb_module_requires_grad(d, false); /* D frozen: the generator's loss reaches G only */
    nb_tensor *z = nb_normal(NB_SHAPE(4, 8), 0, 1);
    nb_tensor *img = nb_forward(g, z);
    assert_shape(img, NB_SHAPE(4, 1, 32, 32));
    assert_true(max_abs(img) <= 1);
    nb_tensor *features = nb_forward(nb_module_child(d, "flatten"), nb_forward(nb_module_child(d, "model"), img));
    assert_shape(features, NB_SHAPE(4, 1024));
    nb_tensor *validity = nb_forward(nb_module_child(d, "adv_layer"), features);
    assert_shape(validity, NB_SHAPE(4, 1));
    assert_int_equal(nb_backward(nb_mean(nb_neg(validity))), 0);
    const nb_named_tensors *pg = nb_module_parameters(g), *pd = nb_module_parameters(d);
    for (int i = 0; i < pg->n; i++) assert_non_null(pg->tensors[i]->grad);
    for (int i = 0; i < pd->n; i++) assert_null(pd->tensors[i]->grad);
    nb_module_free(d);
    nb_module_free(g);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_conv2d_parameters_and_default_init),
        TU_TEST(test_conv2d_forward),
        TU_TEST(test_conv_transpose2d),
        TU_TEST(test_batchnorm2d_train_and_eval),
        TU_TEST(test_batchnorm_eps_and_1d),
        TU_TEST(test_layer_norm),
        TU_TEST(test_dropout_train_and_eval),
        TU_TEST(test_upsample),
        TU_TEST(test_dcgan_init),
        TU_TEST(test_fanogan_shaped_models),
        TU_TEST(test_gan_step_shapes_and_gradients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
