/* test_eval_metrics.c — image- and pixel-level detection metrics: hand-computed
 * small cases (with ties), agreement with brute-force pair counting, the
 * properties perfect -> 1, reversed -> 0, random -> chance, and the errors for
 * bad labels or a missing class. */
#include <math.h>
#include <stdlib.h>
#include "nb_eval.h"
#include "test_util.h"

/* sklearn's documented example: roc_auc 0.75, average_precision 0.8333. */
static const double ex_scores[] = {0.1, 0.4, 0.35, 0.8};
static const uint8_t ex_labels[] = {0, 0, 1, 1};

static void assert_curve(const nb_curve *c, int64_t n, const double *x, const double *y, const double *t) {
    assert_int_equal(c->n, n);
    for (int64_t i = 0; i < n; i++) {
        assert_float_equal(c->x[i], x[i], 1e-12);
        assert_float_equal(c->y[i], y[i], 1e-12);
        if (isinf(t[i]))
            assert_true(isinf(c->threshold[i]) && c->threshold[i] > 0);
        else
            assert_float_equal(c->threshold[i], t[i], 0);
    }
}

static void test_hand_computed_example(void **s) {
    (void)s;
    assert_float_equal(nb_roc_auc(ex_scores, ex_labels, 4), 0.75, 1e-12);
    assert_float_equal(nb_average_precision(ex_scores, ex_labels, 4), 0.5 + 0.5 * 2.0 / 3.0, 1e-12);
    nb_curve roc, pr;
    assert_int_equal(nb_roc_curve(ex_scores, ex_labels, 4, &roc), 0);
    assert_curve(&roc, 5, (double[]){0, 0, 0.5, 0.5, 1}, (double[]){0, 0.5, 0.5, 1, 1},
                 (double[]){INFINITY, 0.8, 0.4, 0.35, 0.1});
    assert_int_equal(nb_pr_curve(ex_scores, ex_labels, 4, &pr), 0);
    assert_curve(&pr, 5, (double[]){0, 0.5, 0.5, 1, 1}, (double[]){1, 1, 0.5, 2.0 / 3.0, 0.5},
                 (double[]){INFINITY, 0.8, 0.4, 0.35, 0.1});
    /* F1 at 0.8, 0.4, 0.35, 0.1: 2/3, 1/2, 4/5, 2/3 */
    double thr = 0;
    assert_float_equal(nb_best_f1(ex_scores, ex_labels, 4, &thr), 0.8, 1e-12);
    assert_float_equal(thr, 0.35, 0);
    TU_NO_ERROR();
}

static void test_ties_count_one_half_in_any_order(void **s) {
    (void)s;
    /* positives {0.5, 0.2}, negatives {0.5, 0.5}: pairs 1/2 + 1/2 + 0 + 0 = 1 of 4 */
    double sc[][4] = {{0.5, 0.5, 0.5, 0.2}, {0.5, 0.2, 0.5, 0.5}, {0.2, 0.5, 0.5, 0.5}};
    uint8_t lb[][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 0, 1, 0}};
    for (int k = 0; k < 3; k++) {
        assert_float_equal(nb_roc_auc(sc[k], lb[k], 4), 0.25, 1e-12);
        /* one point per distinct score: R 1/2 at P 1/3, then R 1 at P 1/2 */
        assert_float_equal(nb_average_precision(sc[k], lb[k], 4), 0.5 / 3 + 0.5 * 0.5, 1e-12);
        nb_curve roc;
        assert_int_equal(nb_roc_curve(sc[k], lb[k], 4, &roc), 0);
        assert_curve(&roc, 3, (double[]){0, 1, 1}, (double[]){0, 0.5, 1}, (double[]){INFINITY, 0.5, 0.2});
    }
    double flat[] = {3, 3, 3, 3, 3};
    uint8_t lab[] = {1, 0, 0, 1, 0};
    assert_float_equal(nb_roc_auc(flat, lab, 5), 0.5, 1e-12);
    assert_float_equal(nb_average_precision(flat, lab, 5), 0.4, 1e-12); /* the positive rate */
    TU_NO_ERROR();
}

/* O(n^2) Mann-Whitney and per-positive precision, the definitions themselves. */
static void brute_force(const double *sc, const uint8_t *lb, int n, double *auc, double *ap) {
    double pairs = 0, wins = 0, prec = 0;
    int pos = 0;
    for (int i = 0; i < n; i++) {
        if (!lb[i]) continue;
        pos++;
        int above = 0, above_pos = 0;
        for (int j = 0; j < n; j++) {
            if (sc[j] >= sc[i]) above++, above_pos += lb[j];
            if (lb[j]) continue;
            pairs++;
            wins += sc[i] > sc[j] ? 1 : sc[i] == sc[j] ? 0.5 : 0;
        }
        prec += (double)above_pos / above;
    }
    *auc = wins / pairs;
    *ap = prec / pos;
}

static void test_agrees_with_brute_force(void **s) {
    (void)s;
    enum { N = 60 };
    double sc[N];
    uint8_t lb[N];
    for (int trial = 0; trial < 20; trial++) {
        for (int i = 0; i < N; i++) {
            lb[i] = nb_rand_uniform() < 0.4;
            sc[i] = (double)(nb_rand_u32() % 7) + lb[i] * (double)(nb_rand_u32() % 3); /* many ties */
        }
        lb[0] = 0, lb[1] = 1;
        double auc, ap;
        brute_force(sc, lb, N, &auc, &ap);
        assert_float_equal(nb_roc_auc(sc, lb, N), auc, 1e-12);
        assert_float_equal(nb_average_precision(sc, lb, N), ap, 1e-12);
        nb_curve roc; /* the curve's own trapezoid is the AUC */
        assert_int_equal(nb_roc_curve(sc, lb, N, &roc), 0);
        double area = 0;
        for (int64_t i = 1; i < roc.n; i++) area += (roc.x[i] - roc.x[i - 1]) * (roc.y[i] + roc.y[i - 1]) / 2;
        assert_float_equal(area, auc, 1e-12);
    }
    TU_NO_ERROR();
}

static void test_perfect_reversed_random(void **s) {
    (void)s;
    enum { N = 2000 };
    static double sc[N], rev[N], rnd[N];
    static uint8_t lb[N];
    for (int i = 0; i < N; i++) {
        lb[i] = i % 3 == 0;
        sc[i] = lb[i] + nb_rand_uniform() * 0.9;
        rev[i] = -sc[i];
        rnd[i] = nb_rand_uniform();
    }
    assert_float_equal(nb_roc_auc(sc, lb, N), 1, 0);
    assert_float_equal(nb_average_precision(sc, lb, N), 1, 1e-12);
    double thr;
    assert_float_equal(nb_best_f1(sc, lb, N, &thr), 1, 1e-12);
    assert_true(thr >= 1); /* the lowest anomalous score */
    assert_float_equal(nb_roc_auc(rev, lb, N), 0, 0);
    /* chance: AUC 0.5 (sd 0.013 here), AP the positive rate 1/3 */
    assert_float_equal(nb_roc_auc(rnd, lb, N), 0.5, 0.04);
    assert_float_equal(nb_average_precision(rnd, lb, N), 667.0 / N, 0.04);
    TU_NO_ERROR();
}

static void test_errors_name_the_problem(void **s) {
    (void)s;
    double sc[] = {0.1, 0.2, 0.3};
    assert_true(isnan(nb_roc_auc(sc, (uint8_t[]){1, 1, 1}, 3)));
    tu_expect_error("roc_auc: all 3 labels are 1 (anomalous); it needs normal samples too");
    assert_true(isnan(nb_roc_auc(sc, (uint8_t[]){0, 0, 0}, 3)));
    tu_expect_error("roc_auc: all 3 labels are 0 (normal)");
    assert_true(isnan(nb_average_precision(sc, (uint8_t[]){0, 0, 0}, 3)));
    tu_expect_error("average_precision: all 3 labels are 0");
    assert_float_equal(nb_average_precision(sc, (uint8_t[]){1, 1, 1}, 3), 1, 0); /* defined */
    nb_curve c;
    assert_int_equal(nb_roc_curve(sc, (uint8_t[]){1, 1, 1}, 3, &c), -1);
    tu_expect_error("roc_curve: all 3 labels are 1");
    assert_true(isnan(nb_best_f1(sc, (uint8_t[]){0, 2, 1}, 3, NULL)));
    tu_expect_error("best_f1: label 2 at index 1 is not 0 (normal) or 1 (anomalous)");
    assert_true(isnan(nb_roc_auc(sc, (uint8_t[]){0, 1, 1}, 0)));
    tu_expect_error("roc_auc: no samples (n = 0)");
    assert_true(isnan(nb_roc_auc((double[]){0, NAN}, (uint8_t[]){0, 1}, 2)));
    tu_expect_error("roc_auc: score at index 1 is NaN");
    assert_true(isnan(nb_roc_auc(NULL, (uint8_t[]){0, 1}, 2)));
    tu_expect_error("roc_auc: scores or labels is NULL");
}

static void test_per_type_auc(void **s) {
    (void)s;
    double sc[] = {0.1, 0.3, 0.2, 0.9, 0.5};
    int types[] = {0, 0, 1, 2, 1};
    double auc[3];
    /* type 1 {0.2, 0.5} vs normals {0.1, 0.3}: 3 of 4 pairs; type 2 {0.9}: 2 of 2 */
    assert_int_equal(nb_roc_auc_per_type(sc, types, 5, 2, auc), 0);
    assert_float_equal(auc[0], 0.75, 1e-12);
    assert_float_equal(auc[1], 1, 1e-12);
    assert_int_equal(nb_roc_auc_per_type(sc, types, 5, 3, auc), -1);
    tu_expect_error("roc_auc_per_type: defect type 3 has no samples");
    assert_int_equal(nb_roc_auc_per_type(sc, (int[]){1, 1, 2, 2, 1}, 5, 2, auc), -1);
    tu_expect_error("no normal samples");
    assert_int_equal(nb_roc_auc_per_type(sc, (int[]){0, 1, 5, 2, 1}, 5, 2, auc), -1);
    tu_expect_error("type 5 at index 2 is not in 0..2");
}

static void test_rank_examples(void **s) {
    (void)s;
    /* margins about 0.5: -0.4 (normal at 0.9), -0.3 (anomaly at 0.2), 0.1, 0.4 */
    double sc[] = {0.9, 0.2, 0.6, 0.1, 0.5, 0.5};
    uint8_t lb[] = {0, 1, 1, 0, 1, 0};
    int64_t worst[3], best[3];
    assert_int_equal(nb_rank_examples(sc, lb, 4, 0.5, 2, worst, best), 2);
    assert_memory_equal(worst, ((int64_t[]){0, 1}), 2 * sizeof(int64_t));
    assert_memory_equal(best, ((int64_t[]){3, 2}), 2 * sizeof(int64_t));
    /* margin 0 for both samples at the threshold: ties by index, either way */
    assert_int_equal(nb_rank_examples(sc + 4, lb + 4, 2, 0.5, 5, worst, best), 2);
    assert_memory_equal(worst, ((int64_t[]){0, 1}), 2 * sizeof(int64_t));
    assert_memory_equal(best, ((int64_t[]){0, 1}), 2 * sizeof(int64_t));
    assert_int_equal(nb_rank_examples(sc, lb, 4, NAN, 1, worst, NULL), -1);
    tu_expect_error("threshold is NaN");
}

/* ---- pixel level ----------------------------------------------------------- */

static nb_pixel_metrics pixel_metrics(const nb_real *maps, const uint8_t *masks, int64_t n, int h, int w,
                                      double max_fpr) {
    nb_pixel_metrics m = {0};
    assert_int_equal(nb_pixel_metrics_compute(maps, masks, n, h, w, max_fpr, &m), 0);
    TU_NO_ERROR();
    return m;
}

static void test_pixel_auroc_hand_and_consistent(void **s) {
    (void)s;
    /* anomalous {0.9, 0.5} vs normal {0.1, 0.5}: 1 + 1 + 1 + 1/2 of 4 pairs */
    nb_real map[] = {0.9, 0.1, 0.5, 0.5};
    uint8_t mask[] = {255, 0, 0, 255};
    assert_float_equal(pixel_metrics(map, mask, 1, 2, 2, 0.3).roc_auc, 0.875, 1e-12);
    /* equals the image-level AUC over the same values, across image borders */
    enum { N = 3, H = 9, W = 7, P = N * H * W };
    nb_real maps[P];
    uint8_t masks[P], lb[P];
    double sc[P];
    for (int i = 0; i < P; i++) {
        lb[i] = masks[i] = nb_rand_uniform() < 0.3;
        maps[i] = (nb_real)(nb_rand_u32() % 10) + masks[i] * 2;
        sc[i] = maps[i];
    }
    assert_float_equal(pixel_metrics(maps, masks, N, H, W, 0.3).roc_auc, nb_roc_auc(sc, lb, P), 1e-12);
}

static void test_aupro_hand_computed(void **s) {
    (void)s;
    /* one 1x6 image: region A = pixels 0-1 (area 2), region B = pixel 5, normals
     * 2-4. Descending: A .9, n .8, B .7, A .4, n .3, n .2 gives the (FPR, PRO)
     * points (0, 1/4) (1/3, 1/4) (1/3, 3/4) (1/3, 1) (2/3, 1) (1, 1). */
    nb_real map[] = {0.9, 0.4, 0.8, 0.3, 0.2, 0.7};
    uint8_t mask[] = {1, 1, 0, 0, 0, 1};
    nb_pixel_metrics m = pixel_metrics(map, mask, 1, 1, 6, 1.0);
    assert_int_equal(m.n_regions, 2);
    assert_float_equal(m.aupro, 1.0 / 12 + 2.0 / 3, 1e-12); /* 1/3 at 1/4, 2/3 at 1 */
    assert_float_equal(pixel_metrics(map, mask, 1, 1, 6, 0.5).aupro, (1.0 / 12 + 1.0 / 6) / 0.5, 1e-12);
    assert_float_equal(pixel_metrics(map, mask, 1, 1, 6, 0.2).aupro, 0.25, 1e-12);
    /* a normal pixel tied with B: one sloped step (0, 1/4) -> (1/3, 3/4); at
     * FPR 1/6 the interpolated PRO is 1/2: area 1/6 (1/4 + 1/2) / 2 = 1/16 */
    map[2] = 0.7;
    assert_float_equal(pixel_metrics(map, mask, 1, 1, 6, 1.0 / 6).aupro, (1.0 / 16) * 6, 1e-12);
}

static void test_regions_are_8_connected_per_image(void **s) {
    (void)s;
    /* image 0: a diagonal (one region, three under 4-connectivity) and a
     * separate pixel; image 1: a region touching the same place */
    uint8_t masks[2 * 16] = {1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 1, 0, /**/ 1, 0, 0, 0,
                             1, 1, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0};
    nb_real maps[2 * 16];
    for (int i = 0; i < 32; i++) maps[i] = (nb_real)(nb_rand_uniform());
    assert_int_equal(pixel_metrics(maps, masks, 2, 4, 4, 0.3).n_regions, 3);
    /* PRO weighs regions, not pixels: the 3-pixel diagonal found alone = 1/3 */
    for (int i = 0; i < 32; i++) maps[i] = 0;
    maps[0] = maps[5] = maps[10] = 1;
    nb_pixel_metrics m = pixel_metrics(maps, masks, 2, 4, 4, 1.0);
    /* (0, 1/3), then every other pixel at once: (1, 1); area (1/3 + 1) / 2 */
    assert_float_equal(m.aupro, 2.0 / 3, 1e-12);
}

static void test_pixel_perfect_reversed_random(void **s) {
    (void)s;
    enum { N = 4, H = 64, W = 64, P = N * H * W };
    static nb_real good[P], bad[P], rnd[P];
    static uint8_t masks[P];
    for (int i = 0; i < P; i++) {
        int img = i / (H * W), y = i / W % H, x = i % W;
        masks[i] = img > 0 && (x - 8 * img) * (x - 8 * img) + (y - 30) * (y - 30) < 20 * img;
        good[i] = (nb_real)(masks[i] + 0.5 * nb_rand_uniform());
        bad[i] = -good[i];
        rnd[i] = (nb_real)nb_rand_uniform();
    }
    nb_pixel_metrics m = pixel_metrics(good, masks, N, H, W, 0.3);
    assert_float_equal(m.roc_auc, 1, 1e-12);
    assert_float_equal(m.aupro, 1, 1e-12);
    m = pixel_metrics(bad, masks, N, H, W, 0.3);
    assert_float_equal(m.roc_auc, 0, 1e-12);
    assert_float_equal(m.aupro, 0, 1e-12);
    /* random maps: PRO ~ FPR, so AUPRO ~ (0.3^2 / 2) / 0.3 = 0.15 */
    m = pixel_metrics(rnd, masks, N, H, W, 0.3);
    assert_float_equal(m.roc_auc, 0.5, 0.05);
    assert_float_equal(m.aupro, 0.15, 0.05);
}

static void test_pixel_errors(void **s) {
    (void)s;
    nb_real maps[4] = {0.1, 0.2, 0.3, 0.4};
    nb_pixel_metrics m;
    assert_int_equal(nb_pixel_metrics_compute(maps, (uint8_t[]){0, 0, 0, 0}, 1, 2, 2, 0.3, &m), -1);
    tu_expect_error("pixel_metrics: all 4 mask pixels are 0 (normal); it needs anomalous pixels too");
    assert_int_equal(nb_pixel_metrics_compute(maps, (uint8_t[]){1, 9, 1, 1}, 1, 2, 2, 0.3, &m), -1);
    tu_expect_error("all 4 mask pixels are anomalous");
    maps[3] = NAN;
    assert_int_equal(nb_pixel_metrics_compute(maps, (uint8_t[]){1, 0, 0, 0}, 1, 2, 2, 0.3, &m), -1);
    tu_expect_error("anomaly map 0 has NaN at (y 1, x 1)");
    assert_int_equal(nb_pixel_metrics_compute(maps, (uint8_t[]){1, 0, 0, 0}, 1, 2, 2, 0, &m), -1);
    tu_expect_error("max_fpr = 0 is not in (0, 1]");
    assert_int_equal(nb_pixel_metrics_compute(maps, (uint8_t[]){1, 0, 0, 0}, 1, 0, 2, 0.3, &m), -1);
    tu_expect_error("bad size: 1 maps of 0 x 2");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_hand_computed_example),
        TU_TEST(test_ties_count_one_half_in_any_order),
        TU_TEST(test_agrees_with_brute_force),
        TU_TEST(test_perfect_reversed_random),
        TU_TEST(test_errors_name_the_problem),
        TU_TEST(test_per_type_auc),
        TU_TEST(test_rank_examples),
        TU_TEST(test_pixel_auroc_hand_and_consistent),
        TU_TEST(test_aupro_hand_computed),
        TU_TEST(test_regions_are_8_connected_per_image),
        TU_TEST(test_pixel_perfect_reversed_random),
        TU_TEST(test_pixel_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
