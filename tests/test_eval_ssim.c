/* test_eval_ssim.c — SSIM: identical images give 1, constant images give the
 * closed form (2ab + C1) / (a^2 + b^2 + C1), the map matches a direct 2-D
 * evaluation of the definition (borders included), symmetry, channel
 * averaging, decrease with noise, and the errors. */
#include <math.h>
#include "nb_eval.h"
#include "test_util.h"

/* Tolerance of values that went through an nb_real map. */
#define MAP_TOL (sizeof(nb_real) == 4 ? 1e-6 : 1e-12)

static nb_tensor *smooth_image(int c, int h, int w) {
    nb_tensor *t = nb_tensor_new(NB_SHAPE(c, h, w));
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                t->data[(ch * h + y) * w + x] = (nb_real)(0.8 * sin(0.3 * x + 0.2 * y + ch) * cos(0.15 * y));
    return t;
}

static void test_identical_is_one(void **s) {
    (void)s;
    nb_tensor *x = smooth_image(3, 20, 17);
    assert_float_equal(nb_ssim(x, x, 2), 1, 1e-12);
    nb_tensor *m = nb_ssim_map(x, x, 2);
    assert_int_equal(m->ndim, 2);
    assert_int_equal(m->shape[0], 20);
    assert_int_equal(m->shape[1], 17);
    for (int64_t p = 0; p < m->numel; p++) assert_float_equal(m->data[p], 1, MAP_TOL);
    TU_NO_ERROR();
}

static void test_constant_images_closed_form(void **s) {
    (void)s;
    /* zero variances: SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 2)^2 */
    double a = 0.5, b = -0.25, c1 = 4e-4, want = (2 * a * b + c1) / (a * a + b * b + c1);
    for (int size = 3; size <= 16; size += 13) { /* smaller and larger than the window */
        nb_tensor *x = nb_full(NB_SHAPE(1, size, size + 1), (nb_real)a);
        nb_tensor *y = nb_full(NB_SHAPE(1, size, size + 1), (nb_real)b);
        assert_float_equal(nb_ssim(x, y, 2), want, 1e-12);
        nb_tensor *m = nb_ssim_map(x, y, 2);
        for (int64_t p = 0; p < m->numel; p++) assert_float_equal(m->data[p], want, MAP_TOL);
    }
    /* L = 255: C1 = 2.55^2, images 100 and 110 */
    nb_tensor *x = nb_full(NB_SHAPE(5, 5), 100), *y = nb_full(NB_SHAPE(5, 5), 110);
    double k = 2.55 * 2.55;
    assert_float_equal(nb_ssim(x, y, 255), (2 * 100 * 110 + k) / (100 * 100 + 110 * 110 + k), 1e-12);
    TU_NO_ERROR();
}

/* The definition evaluated directly at one pixel: 2-D Gaussian weights over
 * the 11 x 11 neighbourhood, mirrored by repeated folding. */
static int fold(int i, int n) {
    while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i;
    return i;
}

static double direct_ssim(const nb_real *x, const nb_real *y, int h, int w, int py, int px, double L) {
    double wsum = 0, m[5] = {0};
    for (int dy = -5; dy <= 5; dy++)
        for (int dx = -5; dx <= 5; dx++) {
            double g = exp(-(dx * dx + dy * dy) / 4.5);
            int q = fold(py + dy, h) * w + fold(px + dx, w);
            double a = x[q], b = y[q];
            wsum += g;
            m[0] += g * a, m[1] += g * b, m[2] += g * a * a, m[3] += g * b * b, m[4] += g * a * b;
        }
    for (int k = 0; k < 5; k++) m[k] /= wsum;
    double c1 = 1e-4 * L * L, c2 = 9e-4 * L * L;
    double vx = m[2] - m[0] * m[0], vy = m[3] - m[1] * m[1], cxy = m[4] - m[0] * m[1];
    return (2 * m[0] * m[1] + c1) * (2 * cxy + c2) / ((m[0] * m[0] + m[1] * m[1] + c1) * (vx + vy + c2));
}

static void test_map_matches_definition(void **s) {
    (void)s;
    enum { C = 2, H = 13, W = 9 };
    nb_tensor *x = nb_uniform(NB_SHAPE(C, H, W), -1, 1), *y = nb_uniform(NB_SHAPE(C, H, W), -1, 1);
    for (int64_t i = 0; i < x->numel; i++) y->data[i] = (nb_real)(0.6 * x->data[i] + 0.4 * y->data[i]);
    nb_tensor *m = nb_ssim_map(x, y, 2);
    double mean = 0;
    for (int py = 0; py < H; py++)
        for (int px = 0; px < W; px++) {
            double want = 0;
            for (int c = 0; c < C; c++)
                want += direct_ssim(x->data + c * H * W, y->data + c * H * W, H, W, py, px, 2) / C;
            assert_float_equal(m->data[py * W + px], want, MAP_TOL);
            mean += want / (H * W);
        }
    assert_float_equal(nb_ssim(x, y, 2), mean, 1e-12);
    assert_true(mean > 0.2 && mean < 0.95); /* a real mix, not a degenerate case */
    TU_NO_ERROR();
}

static void test_symmetric_and_channel_mean(void **s) {
    (void)s;
    nb_tensor *x = smooth_image(3, 16, 16), *y = nb_uniform(NB_SHAPE(3, 16, 16), -1, 1);
    double xy = nb_ssim(x, y, 2);
    assert_float_equal(xy, nb_ssim(y, x, 2), 0);
    double per_channel = 0;
    for (int c = 0; c < 3; c++) {
        nb_tensor *xc = nb_reshape(nb_slice(x, 0, c, c + 1), NB_SHAPE(16, 16));
        nb_tensor *yc = nb_reshape(nb_slice(y, 0, c, c + 1), NB_SHAPE(16, 16));
        per_channel += nb_ssim(xc, yc, 2) / 3;
    }
    assert_float_equal(xy, per_channel, 1e-12);
    TU_NO_ERROR();
}

static void test_decreases_with_noise(void **s) {
    (void)s;
    nb_tensor *x = smooth_image(1, 32, 32);
    double prev = 1;
    const double sigmas[] = {0.01, 0.03, 0.1, 0.3, 1.0};
    for (int k = 0; k < 5; k++) {
        nb_tensor *y = nb_clone(x);
        for (int64_t i = 0; i < y->numel; i++) y->data[i] += (nb_real)(sigmas[k] * nb_rand_normal());
        double v = nb_ssim(x, y, 2);
        assert_true(v < prev);
        prev = v;
    }
    assert_true(prev < 0.3);
    TU_NO_ERROR();
}

static void test_ssim_errors(void **s) {
    (void)s;
    nb_tensor *a = nb_zeros(NB_SHAPE(1, 4, 4)), *b = nb_zeros(NB_SHAPE(1, 4, 5));
    assert_true(isnan(nb_ssim(a, b, 2)));
    tu_expect_error("ssim: [1,4,4] and [1,4,5] differ");
    assert_null(nb_ssim_map(a, a, 0));
    tu_expect_error("ssim: data_range = 0 must be positive");
    nb_tensor *v = nb_zeros(NB_SHAPE(4));
    assert_null(nb_ssim_map(v, v, 1));
    tu_expect_error("ssim: [4] is not an image [C,H,W] or [H,W]");
    assert_true(isnan(nb_ssim(NULL, a, 2)));
    tu_expect_error("ssim: NULL image");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_identical_is_one),         TU_TEST(test_constant_images_closed_form),
        TU_TEST(test_map_matches_definition),   TU_TEST(test_symmetric_and_channel_mean),
        TU_TEST(test_decreases_with_noise),     TU_TEST(test_ssim_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
