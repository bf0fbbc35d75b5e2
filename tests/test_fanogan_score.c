/* test_fanogan_score.c — f-AnoGAN's anomaly scores: exactly 0 for images the
 * model reconstructs exactly (x = G(E(x)), made by a generator whose last
 * layer has zero weights), per image (a batch scores as its images alone),
 * the values of every field against their definitions, the 1 - SSIM image
 * distance, modes and grad mode left as they were, and errors. */
#include <math.h>
#include <string.h>
#include "model_checks.h"
#include "nb_eval.h"
#include "nb_fanogan.h"
#include "test_util.h"

#ifdef NB_DOUBLE
#define TOL 1e-12
#else
#define TOL 2e-6
#endif

static const struct {
    nb_fanogan_arch arch;
    int size;
    const char *last; /* G's last layer with weights */
} archs[] = {{NB_FANOGAN_MLP, 5, "model.11"},
             {NB_FANOGAN_DCGAN, 16, "conv_blocks.9"},
             {NB_FANOGAN_DCGAN_T, 16, "conv_blocks.7"},
             {NB_FANOGAN_RESNET, 16, "output"}};

static void test_zero_for_exact_reconstructions(void **s) {
    (void)s;
    for (int a = 0; a < 4; a++) {
        nb_fanogan *m = tu_fanogan_tiny(archs[a].arch, archs[a].size, 2, 3);
        /* G(z) = tanh(bias) for every z: its last layer ignores its input */
        char name[64];
        snprintf(name, sizeof name, "%s.weight", archs[a].last);
        nb_init_constant(nb_named_find(nb_module_parameters(m->generator), name), 0);
        snprintf(name, sizeof name, "%s.bias", archs[a].last);
        nb_init_uniform(nb_named_find(nb_module_parameters(m->generator), name), -1, 1);
        nb_module_eval(m->generator);
        nb_tensor *x = nb_detach(nb_fanogan_generate(m, nb_normal(NB_SHAPE(3, 3), 0, 1)));
        for (int d = 0; d < 2; d++) {
            nb_fanogan_score_opts o = {1.0, d ? NB_FANOGAN_DIST_SSIM : NB_FANOGAN_DIST_MSE};
            nb_fanogan_scores sc;
            assert_int_equal(nb_fanogan_score(m, x, &o, &sc), 0);
            TU_NO_ERROR();
            assert_memory_equal(sc.reconstruction->data, x->data, (size_t)x->numel * sizeof(nb_real));
            for (int i = 0; i < 3; i++) {
                assert_true(sc.anomaly_score->data[i] == 0 && sc.img_distance->data[i] == 0);
                assert_true(sc.feat_distance->data[i] == 0 && sc.z_distance->data[i] == 0);
            }
            for (int64_t k = 0; k < sc.residual->numel; k++) assert_true(sc.residual->data[k] == 0);
        }
        nb_fanogan_free(m);
    }
}

static void test_per_image(void **s) {
    (void)s;
    for (int a = 0; a < 4; a++) {
        int sz = archs[a].size;
        nb_fanogan *m = tu_fanogan_tiny(archs[a].arch, sz, 1, 3);
        nb_tensor *x = nb_uniform(NB_SHAPE(2, 1, sz, sz), -1, 1);
        nb_fanogan_score_opts o = nb_fanogan_score_defaults();
        nb_fanogan_scores both, one[2];
        assert_int_equal(nb_fanogan_score(m, x, &o, &both), 0);
        for (int i = 0; i < 2; i++) assert_int_equal(nb_fanogan_score(m, nb_slice(x, 0, i, i + 1), &o, &one[i]), 0);
        TU_NO_ERROR();
        assert_true(both.anomaly_score->data[0] != both.anomaly_score->data[1]);
        for (int i = 0; i < 2; i++) {
            nb_tensor *pairs[][2] = {{both.anomaly_score, one[i].anomaly_score}, {both.img_distance, one[i].img_distance},
                                     {both.feat_distance, one[i].feat_distance}, {both.z_distance, one[i].z_distance},
                                     {both.residual, one[i].residual}, {both.reconstruction, one[i].reconstruction}};
            for (int p = 0; p < 6; p++) {
                int64_t per = pairs[p][1]->numel;
                for (int64_t k = 0; k < per; k++) {
                    double want = pairs[p][1]->data[k];
                    tu_assert_close(pairs[p][0]->data + i * per + k, &want, 1, TOL * fmax(1, fabs(want)));
                }
            }
        }
        nb_fanogan_free(m);
    }
}

/* every field from its definition, with kappa 0.5 */
static void test_values(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_DCGAN, 16, 3, 3);
    nb_tensor *x = nb_uniform(NB_SHAPE(2, 3, 16, 16), -1, 1);
    nb_fanogan_scores sc;
    nb_fanogan_score_opts o = {0.5, NB_FANOGAN_DIST_MSE};
    /* the modes the networks are in come back, and so does grad mode */
    nb_module_train(m->generator, true);
    nb_module_eval(m->discriminator);
    nb_module_train(m->encoder, true);
    assert_int_equal(nb_fanogan_score(m, x, &o, &sc), 0);
    assert_true(m->generator->training && !m->discriminator->training && m->encoder->training);
    assert_true(nb_grad_enabled());
    assert_false(sc.anomaly_score->requires_grad || sc.reconstruction->requires_grad);
    assert_true(sc.residual->ndim == 3 && sc.residual->shape[0] == 2 && sc.residual->shape[1] == 16 &&
                sc.residual->shape[2] == 16);
    assert_true(sc.anomaly_score->ndim == 1 && sc.anomaly_score->shape[0] == 2);
    /* recomputed by hand in eval mode */
    nb_fanogan_train(m, false);
    nb_set_grad_enabled(false);
    nb_tensor *z = nb_fanogan_encode(m, x), *r = nb_fanogan_generate(m, z), *z2 = nb_fanogan_encode(m, r);
    nb_tensor *fx = nb_fanogan_features(m, x), *fr = nb_fanogan_features(m, r);
    int64_t pix = 3 * 16 * 16, nf = fx->shape[1];
    for (int i = 0; i < 2; i++) {
        double img = 0, feat = 0, zd = 0;
        for (int64_t k = 0; k < pix; k++) img += pow(x->data[i * pix + k] - r->data[i * pix + k], 2) / (double)pix;
        for (int64_t k = 0; k < nf; k++) feat += pow(fx->data[i * nf + k] - fr->data[i * nf + k], 2) / (double)nf;
        for (int k = 0; k < 3; k++) zd += pow(z->data[i * 3 + k] - z2->data[i * 3 + k], 2) / 3;
        double tol = 1e-5 * (sizeof(nb_real) == 8 ? 1e-6 : 1);
        tu_assert_close(sc.img_distance->data + i, &img, 1, tol * fmax(1, img));
        tu_assert_close(sc.feat_distance->data + i, &feat, 1, tol * fmax(1, feat));
        tu_assert_close(sc.z_distance->data + i, &zd, 1, tol * fmax(1, zd));
        double score = sc.img_distance->data[i] + 0.5 * sc.feat_distance->data[i];
        tu_assert_close(sc.anomaly_score->data + i, &score, 1, TOL);
        assert_true(img > 0 && feat > 0 && zd > 0);
        for (int p = 0; p < 256; p += 37) {
            double res = 0;
            for (int c = 0; c < 3; c++) res += fabs(x->data[i * pix + c * 256 + p] - r->data[i * pix + c * 256 + p]) / 3;
            tu_assert_close(sc.residual->data + i * 256 + p, &res, 1, tol);
        }
    }
    /* the SSIM distance: 1 - SSIM of each image with its reconstruction */
    nb_set_grad_enabled(true);
    o.image_distance = NB_FANOGAN_DIST_SSIM;
    assert_int_equal(nb_fanogan_score(m, x, &o, &sc), 0);
    for (int i = 0; i < 2; i++) {
        nb_tensor *xi = nb_reshape(nb_slice(x, 0, i, i + 1), NB_SHAPE(3, 16, 16));
        nb_tensor *ri = nb_reshape(nb_slice(r, 0, i, i + 1), NB_SHAPE(3, 16, 16));
        double want = 1 - nb_ssim(xi, ri, 2.0);
        assert_true(want > 0.01);
        tu_assert_close(sc.img_distance->data + i, &want, 1, sizeof(nb_real) == 8 ? 1e-12 : 1e-6);
        double score = want + 0.5 * sc.feat_distance->data[i];
        tu_assert_close(sc.anomaly_score->data + i, &score, 1, sizeof(nb_real) == 8 ? 1e-12 : 1e-6);
    }
    TU_NO_ERROR();
    nb_fanogan_free(m);
}

static void test_errors(void **s) {
    (void)s;
    nb_fanogan *m = tu_fanogan_tiny(NB_FANOGAN_MLP, 4, 1, 3);
    nb_fanogan_scores sc;
    nb_fanogan_score_opts o = nb_fanogan_score_defaults();
    assert_int_equal(nb_fanogan_score(m, nb_zeros(NB_SHAPE(2, 1, 4, 3)), &o, &sc), -1);
    tu_expect_error("fanogan_score: images [2,1,4,3] do not fit the model's [N,1,4,4]");
    o.kappa = NAN;
    assert_int_equal(nb_fanogan_score(m, nb_zeros(NB_SHAPE(2, 1, 4, 4)), &o, &sc), -1);
    tu_expect_error("fanogan_score: kappa nan must be finite and >= 0");
    o = nb_fanogan_score_defaults();
    o.image_distance = (nb_fanogan_image_distance)4;
    assert_int_equal(nb_fanogan_score(m, nb_zeros(NB_SHAPE(2, 1, 4, 4)), &o, &sc), -1);
    tu_expect_error("fanogan_score: unknown image distance 4");
    assert_int_equal(nb_fanogan_score(m, nb_zeros(NB_SHAPE(2, 1, 4, 4)), NULL, &sc), -1);
    tu_expect_error("fanogan_score: no options (see nb_fanogan_score_defaults)");
    assert_int_equal(nb_fanogan_score(NULL, nb_zeros(NB_SHAPE(2, 1, 4, 4)), &o, &sc), -1);
    tu_expect_error("fanogan_score: needs a model and a scores struct");
    assert_true(m->generator->training); /* a refused call changes nothing */
    nb_fanogan_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_zero_for_exact_reconstructions),
        TU_TEST(test_per_image),
        TU_TEST(test_values),
        TU_TEST(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
