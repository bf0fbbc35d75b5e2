/* test_synthetic.c — the synthetic MVTec-style generator: textures are
 * deterministic per seed, varied between images but alike within a category;
 * every defect changes exactly the pixels of its mask, visibly, and its mask
 * is binary, non-empty, small and one 8-connected region. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nb_eval.h"
#include "test_util.h"

static void stats(const nb_image *img, double *mean, double *sd) {
    int64_t n = (int64_t)img->width * img->height * img->channels;
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < n; i++) s += img->pixels[i], s2 += (double)img->pixels[i] * img->pixels[i];
    *mean = s / n;
    *sd = sqrt(s2 / n - *mean * *mean);
}

static void test_normal_images(void **s) {
    (void)s;
    nb_texture t, t2;
    assert_int_equal(nb_texture_init(&t, 42, 3), 0);
    nb_image a, b, c;
    assert_int_equal(nb_synth_normal(&t, 48, 40, 7, &a), 0);
    assert_int_equal(nb_synth_normal(&t, 48, 40, 7, &b), 0);
    assert_int_equal(nb_synth_normal(&t, 48, 40, 8, &c), 0);
    assert_int_equal(a.width, 48), assert_int_equal(a.height, 40), assert_int_equal(a.channels, 3);
    size_t n = 48 * 40 * 3;
    assert_memory_equal(a.pixels, b.pixels, n); /* same seed, same image */
    assert_memory_not_equal(a.pixels, c.pixels, n);
    /* images of a category differ in phase but share their statistics */
    double ma, sa, mc, sc;
    stats(&a, &ma, &sa);
    stats(&c, &mc, &sc);
    assert_true(sa > 15 && sc > 15); /* textured, not flat */
    assert_float_equal(ma, mc, 12);
    assert_float_equal(sa, sc, 0.3 * sa);
    int64_t differ = 0; /* not just noise apart: the stripes moved */
    for (size_t i = 0; i < n; i++) differ += abs((int)a.pixels[i] - (int)c.pixels[i]) > 20;
    assert_true(differ > (int64_t)n / 4);
    /* another category has another texture */
    assert_int_equal(nb_texture_init(&t2, 43, 1), 0);
    assert_true(memcmp(t.angle, t2.angle, sizeof t.angle) != 0);
    free(b.pixels);
    assert_int_equal(nb_synth_normal(&t2, 16, 16, 7, &b), 0);
    assert_int_equal(b.channels, 1);
    free(a.pixels), free(b.pixels), free(c.pixels);
    TU_NO_ERROR();
}

/* The number of 8-connected regions of a mask, by the pixel metrics. */
static int64_t regions(const nb_image *mask) {
    int64_t hw = (int64_t)mask->width * mask->height;
    nb_real *scores = malloc((size_t)hw * sizeof *scores);
    for (int64_t i = 0; i < hw; i++) scores[i] = (nb_real)(i % 7);
    nb_pixel_metrics m;
    int rc = nb_pixel_metrics_compute(scores, mask->pixels, 1, mask->height, mask->width, 0.3, &m);
    free(scores);
    assert_int_equal(rc, 0);
    return m.n_regions;
}

static void check_defect(const nb_texture *t, int w, int h, nb_defect_kind kind, uint64_t seed) {
    nb_image img, orig, mask;
    assert_int_equal(nb_synth_normal(t, w, h, seed, &img), 0);
    assert_int_equal(nb_synth_normal(t, w, h, seed, &orig), 0);
    assert_int_equal(nb_synth_defect(&img, kind, seed * 31 + 1, &mask), 0);
    assert_int_equal(mask.channels, 1), assert_int_equal(mask.width, w), assert_int_equal(mask.height, h);
    int64_t area = 0;
    double change = 0;
    int ch = t->channels;
    for (int64_t p = 0; p < (int64_t)w * h; p++) {
        assert_true(mask.pixels[p] == 0 || mask.pixels[p] == 255);
        for (int c = 0; c < ch; c++) {
            int d = abs((int)img.pixels[p * ch + c] - (int)orig.pixels[p * ch + c]);
            if (!mask.pixels[p]) assert_int_equal(d, 0); /* only the mask is touched */
            change += mask.pixels[p] ? d : 0;
        }
        area += mask.pixels[p] != 0;
    }
    int64_t most = (int64_t)w * h / 10 + 8; /* small, with room for the smallest images */
    if (area == 0 || area > most)
        print_error("%s, seed %llu: mask area %lld\n", nb_defect_kind_name(kind), (unsigned long long)seed,
                    (long long)area);
    assert_true(area > 0 && area <= most);
    if (change / (area * ch) <= 25)
        print_error("%s, seed %llu, %d x %d: mean change %g\n", nb_defect_kind_name(kind),
                    (unsigned long long)seed, w, h, change / (area * ch));
    assert_true(change / (area * ch) > 25); /* visible */
    assert_int_equal(regions(&mask), 1);
    /* the same seed draws the same defect */
    nb_image again;
    assert_int_equal(nb_synth_defect(&orig, kind, seed * 31 + 1, &again), 0);
    assert_memory_equal(again.pixels, mask.pixels, (size_t)w * h);
    free(img.pixels), free(orig.pixels), free(mask.pixels), free(again.pixels);
}

static void test_defects(void **s) {
    (void)s;
    nb_texture gray, rgb;
    assert_int_equal(nb_texture_init(&gray, 5, 1), 0);
    assert_int_equal(nb_texture_init(&rgb, 6, 3), 0);
    const int sizes[][2] = {{8, 8}, {32, 24}, {64, 64}, {128, 96}};
    for (int k = 0; k < NB_DEFECT_KINDS; k++)
        for (int z = 0; z < 4; z++)
            for (uint64_t seed = 1; seed <= 12; seed++)
                check_defect(seed % 2 ? &gray : &rgb, sizes[z][0], sizes[z][1], (nb_defect_kind)k, seed);
    assert_string_equal(nb_defect_kind_name(NB_DEFECT_SCRATCH), "scratch");
    assert_string_equal(nb_defect_kind_name(NB_DEFECT_SPOT), "spot");
    assert_string_equal(nb_defect_kind_name(NB_DEFECT_CRACK), "crack");
    assert_string_equal(nb_defect_kind_name((nb_defect_kind)9), "unknown");
    TU_NO_ERROR();
}

static void test_defects_differ_in_shape(void **s) {
    (void)s;
    /* scratches are straight: every masked pixel lies near the line of the
     * mask's principal axis; cracks wander and spots are round, so they don't */
    nb_texture t;
    assert_int_equal(nb_texture_init(&t, 9, 1), 0);
    int straight[NB_DEFECT_KINDS] = {0};
    for (int k = 0; k < NB_DEFECT_KINDS; k++)
        for (uint64_t seed = 1; seed <= 10; seed++) {
            nb_image img, mask;
            assert_int_equal(nb_synth_normal(&t, 96, 96, seed, &img), 0);
            assert_int_equal(nb_synth_defect(&img, (nb_defect_kind)k, seed, &mask), 0);
            double n = 0, mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
            for (int p = 0; p < 96 * 96; p++)
                if (mask.pixels[p]) n++, mx += p % 96, my += p / 96;
            mx /= n, my /= n;
            for (int p = 0; p < 96 * 96; p++)
                if (mask.pixels[p]) {
                    double dx = p % 96 - mx, dy = p / 96 - my;
                    sxx += dx * dx / n, syy += dy * dy / n, sxy += dx * dy / n;
                }
            /* the smaller eigenvalue of the covariance: squared thickness */
            double minor = (sxx + syy) / 2 - sqrt((sxx - syy) * (sxx - syy) / 4 + sxy * sxy);
            straight[k] += minor < 1.0;
            free(img.pixels), free(mask.pixels);
        }
    assert_int_equal(straight[NB_DEFECT_SCRATCH], 10);
    assert_int_equal(straight[NB_DEFECT_SPOT], 0);
    assert_true(straight[NB_DEFECT_CRACK] <= 5);
}

static void test_seeds_and_errors(void **s) {
    (void)s;
    assert_true(nb_synth_seed(1, 0, 0) == nb_synth_seed(1, 0, 0));
    assert_true(nb_synth_seed(1, 0, 0) != nb_synth_seed(1, 0, 1));
    assert_true(nb_synth_seed(1, 0, 1) != nb_synth_seed(1, 1, 0));
    assert_true(nb_synth_seed(1, 0, 0) != nb_synth_seed(2, 0, 0));
    nb_texture t;
    assert_int_equal(nb_texture_init(&t, 1, 2), -1);
    tu_expect_error("texture_init: channels = 2 (1 or 3)");
    assert_int_equal(nb_texture_init(&t, 1, 3), 0);
    nb_image img, mask;
    assert_int_equal(nb_synth_normal(&t, 0, 5, 1, &img), -1);
    tu_expect_error("synth_normal: bad image size 0 x 5 x 3");
    assert_int_equal(nb_synth_normal(&t, 6, 6, 1, &img), 0);
    assert_int_equal(nb_synth_defect(&img, NB_DEFECT_SPOT, 1, &mask), -1);
    tu_expect_error("synth_defect: image 6 x 6 is smaller than 8 x 8");
    assert_int_equal(nb_synth_defect(&img, (nb_defect_kind)7, 1, &mask), -1);
    tu_expect_error("synth_defect: unknown defect kind 7");
    free(img.pixels);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_normal_images),
        TU_TEST(test_defects),
        TU_TEST(test_defects_differ_in_shape),
        TU_TEST(test_seeds_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
