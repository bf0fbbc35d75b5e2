/* test_eval_report.c — the pictures and the HTML report: colormap, tensor to
 * image, heatmap overlay and grids checked pixel by pixel; the report file is
 * produced atomically, its tags balance and nest, it holds the metrics, the
 * embedded PNG and the charts, and it escapes names and paths. Image pixels
 * are released with free(), which is what nb_image_free (io/) does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "eval_internal.h"
#include "test_util.h"

/* ---- colormap, images, grids ------------------------------------------------ */

static double luminance(const uint8_t *c) { return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; }

static void test_colormap(void **s) {
    (void)s;
    uint8_t c[3], prev[3];
    nb_colormap(0, c);
    assert_memory_equal(c, ((uint8_t[]){0, 0, 4}), 3);
    nb_colormap(1, c);
    assert_memory_equal(c, ((uint8_t[]){252, 255, 164}), 3);
    nb_colormap(0.55, c); /* an anchor */
    assert_memory_equal(c, ((uint8_t[]){188, 55, 84}), 3);
    nb_colormap(-3, prev), nb_colormap(NAN, c);
    assert_memory_equal(c, prev, 3);
    nb_colormap(0, prev);
    assert_memory_equal(c, prev, 3);
    nb_colormap(7, c);
    assert_memory_equal(c, ((uint8_t[]){252, 255, 164}), 3);
    for (int i = 1; i <= 256; i++) { /* perceptual: brighter as t grows */
        nb_colormap((i - 1) / 256.0, prev);
        nb_colormap(i / 256.0, c);
        assert_true(luminance(c) >= luminance(prev));
    }
}

static void test_image_from_tensor(void **s) {
    (void)s;
    /* [3,1,2] planar -> interleaved; [-1, 1] -> [0, 255], clamped, rounded */
    nb_tensor *t = nb_from_data(NB_SHAPE(3, 1, 2), (nb_real[]){-1, 1, 0, 2, -5, 0.5});
    nb_image img;
    assert_int_equal(nb_image_from_tensor(t, -1, 1, &img), 0);
    assert_int_equal(img.width, 2), assert_int_equal(img.height, 1), assert_int_equal(img.channels, 3);
    assert_memory_equal(img.pixels, ((uint8_t[]){0, 128, 0, 255, 255, 191}), 6);
    free(img.pixels);
    assert_int_equal(nb_image_from_tensor(nb_zeros(NB_SHAPE(2, 2, 2)), -1, 1, &img), -1);
    tu_expect_error("image_from_tensor: [2,2,2] is not [1|3,H,W] or [H,W]");
    assert_int_equal(nb_image_from_tensor(t, 1, 1, &img), -1);
    tu_expect_error("range [1, 1] is empty");
}

static void test_heatmap_overlay(void **s) {
    (void)s;
    uint8_t gray[] = {10, 200, 30, 40};
    nb_image base = {2, 2, 1, gray};
    nb_tensor *r = nb_from_data(NB_SHAPE(1, 2, 2), (nb_real[]){0, 1, 0.5, 2});
    nb_image out;
    uint8_t c[3];
    /* alpha 0: the base, gray copied to RGB */
    assert_int_equal(nb_heatmap_overlay(&base, r, 0, 1, 0, &out), 0);
    assert_int_equal(out.channels, 3);
    assert_memory_equal(out.pixels, ((uint8_t[]){10, 10, 10, 200, 200, 200, 30, 30, 30, 40, 40, 40}), 12);
    free(out.pixels);
    /* alpha 1: the colormap of (r - 0) / 1, clamped */
    assert_int_equal(nb_heatmap_overlay(&base, r, 0, 1, 1, &out), 0);
    for (int p = 0; p < 4; p++) {
        nb_colormap(r->data[p], c);
        assert_memory_equal(out.pixels + 3 * p, c, 3);
    }
    free(out.pixels);
    /* alpha 0.25 over pixel 1 (200, t = 1): 0.75 * 200 + 0.25 * (252, 255, 164) */
    assert_int_equal(nb_heatmap_overlay(&base, r, 0, 1, 0.25, &out), 0);
    assert_memory_equal(out.pixels + 3, ((uint8_t[]){213, 214, 191}), 3);
    free(out.pixels);
    /* own range: min 0 -> t 0, max 2 -> t 1, 1 -> t 1/2 */
    assert_int_equal(nb_heatmap_overlay(&base, r, 0, 0, 1, &out), 0);
    nb_colormap(0.5, c);
    assert_memory_equal(out.pixels + 3, c, 3);
    nb_colormap(1, c);
    assert_memory_equal(out.pixels + 9, c, 3);
    free(out.pixels);
    assert_int_equal(nb_heatmap_overlay(&base, nb_zeros(NB_SHAPE(2, 3)), 0, 1, 0.5, &out), -1);
    tu_expect_error("heatmap_overlay: residual [2,3] is not a map of the 2 x 2 image");
    assert_int_equal(nb_heatmap_overlay(&base, r, 0, 1, 1.5, &out), -1);
    tu_expect_error("alpha = 1.5 is not in [0, 1]");
}

static void test_image_grid(void **s) {
    (void)s;
    /* 2 x 2 cells of 1 x 2 pixels, pad 1: 2 columns of 2 and 3 pads = 7 wide,
     * 2 rows of 1 and 3 pads = 5 high */
    uint8_t a[] = {1, 2}, b[] = {3, 4, 5, 6, 7, 8}, c[] = {9, 10}, d[] = {11, 12, 13, 14, 15, 16};
    nb_image cells[4] = {{2, 1, 1, a}, {2, 1, 3, b}, {2, 1, 1, c}, {2, 1, 3, d}};
    nb_image g;
    assert_int_equal(nb_image_grid(cells, 2, 2, 1, &g), 0);
    assert_int_equal(g.width, 7), assert_int_equal(g.height, 5), assert_int_equal(g.channels, 3);
    uint8_t want_row1[21] = {255, 255, 255, 1, 1, 1, 2, 2, 2, 255, 255, 255, 3, 4, 5, 6, 7, 8, 255, 255, 255};
    uint8_t want_row3[21] = {255, 255, 255, 9, 9, 9, 10, 10, 10, 255, 255, 255, 11, 12, 13, 14, 15, 16,
                             255, 255, 255};
    assert_memory_equal(g.pixels + 1 * 21, want_row1, 21);
    assert_memory_equal(g.pixels + 3 * 21, want_row3, 21);
    for (int i = 0; i < 21; i++) /* padding rows */
        assert_true(g.pixels[i] == 255 && g.pixels[2 * 21 + i] == 255 && g.pixels[4 * 21 + i] == 255);
    free(g.pixels);
    cells[3].width = 1;
    assert_int_equal(nb_image_grid(cells, 2, 2, 1, &g), -1);
    tu_expect_error("image_grid: cell 3 is 1 x 1 x 3, cell 0 is 1 x 2");
}

static void test_comparison_grid(void **s) {
    (void)s;
    nb_tensor *x[2] = {nb_from_data(NB_SHAPE(1, 2, 2), (nb_real[]){-1, 0, 1, 0.5}),
                       nb_from_data(NB_SHAPE(1, 2, 2), (nb_real[]){1, 1, 1, 1})};
    nb_tensor *xh[2] = {nb_clone(x[0]), nb_from_data(NB_SHAPE(1, 2, 2), (nb_real[]){1, 0.5, 1, 0})};
    nb_image g;
    assert_int_equal(nb_comparison_grid(2, x, xh, 0, &g), 0);
    /* 3 cells of 2 plus 4 pads of 2 across; 2 cells of 2 plus 3 pads down */
    assert_int_equal(g.width, 14), assert_int_equal(g.height, 10);
    uint8_t c0[3], c1[3], c_half[3];
    nb_colormap(0, c0), nb_colormap(1, c1), nb_colormap(0.5, c_half);
    /* row 0: a perfect reconstruction, difference 0 everywhere */
    int y0 = 2, y1 = 6, xd = 2 + 2 * (2 + 2); /* top-left of the difference cells */
    assert_memory_equal(&g.pixels[(y0 * 14 + xd) * 3], c0, 3);
    assert_memory_equal(&g.pixels[((y0 + 1) * 14 + xd + 1) * 3], c0, 3);
    /* row 1: differences 0, 0.5, 0, 1; the largest (1) sets the scale */
    assert_memory_equal(&g.pixels[(y1 * 14 + xd + 1) * 3], c_half, 3);
    assert_memory_equal(&g.pixels[((y1 + 1) * 14 + xd + 1) * 3], c1, 3);
    /* the input cell of row 0: -1 -> 0, 0 -> 128 (gray to RGB) */
    assert_memory_equal(&g.pixels[(y0 * 14 + 2) * 3], ((uint8_t[]){0, 0, 0, 128, 128, 128}), 6);
    free(g.pixels);
    xh[1] = nb_zeros(NB_SHAPE(3, 2, 2));
    assert_int_equal(nb_comparison_grid(2, x, xh, 0, &g), -1);
    tu_expect_error("comparison_grid: row 1: input [1,2,2], reconstruction [3,2,2]");
}

/* ---- HTML pieces --------------------------------------------------------------- */

/* Runs the writer on a memory stream and returns its text (malloc'ed). */
static char *capture_base64(const char *data, size_t n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    nb_html_base64(f, (const unsigned char *)data, n);
    fclose(f);
    return buf;
}

static void test_base64_and_escape(void **s) {
    (void)s;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "//4A"};
    for (int i = 0; i < 8; i++) {
        char *got = capture_base64(in[i], i == 7 ? 3 : strlen(in[i]));
        assert_string_equal(got, want[i]);
        free(got);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    nb_html_escape(f, "a<b>&\"c'd");
    nb_html_escape(f, NULL);
    fclose(f);
    assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;c&#39;d");
    free(buf);
}

/* ---- the report ------------------------------------------------------------------ */

static const unsigned char tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
    0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xdf, 0xc0, 0x00, 0x00, 0x04, 0x01, 0x01, 0x80, 0xc5,
    0x2a, 0x18, 0x5d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
static const char tiny_png_base64[] =
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP438AAAAQBAYDFKhhdAAAAAElFTkSuQmCC";

typedef struct {
    char dir[64], png[96], text[96], html[96];
} scratch;

static void scratch_make(scratch *t) {
    strcpy(t->dir, "/tmp/nb_report_XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->png, sizeof t->png, "%s/grid.png", t->dir);
    snprintf(t->text, sizeof t->text, "%s/notes.txt", t->dir);
    snprintf(t->html, sizeof t->html, "%s/report.html", t->dir);
    FILE *f = fopen(t->png, "wb");
    fwrite(tiny_png, 1, sizeof tiny_png, f);
    fclose(f);
    f = fopen(t->text, "w");
    fputs("not an image", f);
    fclose(f);
}

static void scratch_remove(scratch *t) {
    remove(t->png), remove(t->text), remove(t->html);
    assert_int_equal(rmdir(t->dir), 0); /* nothing else left, no .tmp */
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Every tag opened is closed in order, except void and self-closed elements. */
static void assert_tags_balanced(const char *html) {
    char stack[256][16];
    int depth = 0, n_tags = 0;
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        if (p[1] == '!') continue; /* DOCTYPE */
        const char *end = strchr(p, '>');
        assert_non_null(end);
        bool closing = p[1] == '/', self_closed = end[-1] == '/';
        const char *name = p + 1 + closing;
        size_t len = strcspn(name, " >/\n");
        assert_true(len > 0 && len < 16);
        char tag[16];
        memcpy(tag, name, len), tag[len] = 0;
        n_tags++;
        if (self_closed || !strcmp(tag, "img") || !strcmp(tag, "meta")) continue;
        if (!closing) {
            assert_true(depth < 256);
            strcpy(stack[depth++], tag);
        } else {
            if (depth == 0 || strcmp(stack[depth - 1], tag))
                print_error("</%s> closes <%s>\n", tag, depth ? stack[depth - 1] : "(nothing)");
            assert_true(depth > 0 && !strcmp(stack[depth - 1], tag));
            depth--;
        }
    }
    assert_int_equal(depth, 0);
    assert_true(n_tags > 100);
}

/* Writes the report into t and returns its text, checked for balanced tags. */
static char *write_and_read(const scratch *t, const nb_report *r) {
    assert_int_equal(nb_report_write(t->html, r), 0);
    TU_NO_ERROR();
    char *html = slurp(t->html);
    assert_tags_balanced(html);
    return html;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static void test_report_contents(void **s) {
    (void)s;
    scratch t;
    scratch_make(&t);
    double scores[] = {0.1, 0.4, 0.35, 0.8, 0.05, 0.9};
    uint8_t labels[] = {0, 0, 1, 1, 0, 1};
    int types[] = {0, 0, 1, 2, 0, 1};
    const char *defects[] = {"scratch", "a<b & \"c\""};
    static double loss_d[5000], loss_g[5000], enc[10];
    for (int i = 0; i < 5000; i++) loss_d[i] = -1 + 0.0001 * i, loss_g[i] = 2 - 0.0002 * i;
    for (int i = 0; i < 10; i++) enc[i] = 1.0 / (i + 1);
    nb_report_series losses[] = {{"WGAN-GP", "critic", loss_d, NULL, 5000},
                                 {NULL, "encoder izi", enc, NULL, 10},
                                 {"WGAN-GP", "generator", loss_g, NULL, 5000}};
    nb_report_example worst[] = {{"test/<script>alert('x')</script>.png", 0.4, 0, t.png, "/no/such/dir/<h>.png"}};
    nb_report_example best[] = {{"test/scratch/000.png", 0.9, 1, t.text, NULL}};
    nb_report r = {
        .title = "Run <1> & \"R&D\"", .subtitle = "synthetic / stripes",
        .info = (nb_report_item[]){{"epochs", "20"}, {"data", "/data/x&y"}}, .n_info = 2,
        .scores = scores, .labels = labels, .n = 6,
        .defect_type = types, .defect_names = defects, .n_defect_types = 2,
        .has_pixel_metrics = true, .pixel = {0.91234, 0.81234, 0.3, 7},
        .worst = worst, .n_worst = 1, .best = best, .n_best = 1,
        .losses = losses, .n_losses = 3,
    };
    char *html = write_and_read(&t, &r);
    const char *want[] = {
        /* metrics: AUC 8 of 9 pairs, AP (1 + 1 + 3/4) / 3, F1 at 0.35: 6/7; pixel */
        "0.8889", "0.9167", "0.8571", "<td class=\"num\">0.35</td>", "0.9123", "0.8123",
        "AUPRO (FPR &le; 0.3)",
        /* per type: scratch {0.35, 0.9} vs {0.1, 0.4, 0.05}: 5 of 6; type 2 {0.8}: 1 */
        "0.8333", "1.0000",
        /* charts */
        "ROC curve \xc2\xb7 AUC 0.8889", ">encoder izi</text>", "Step (bucket means)",
        /* the embedded PNG, and notes for what could not be embedded */
        tiny_png_base64, "image /no/such/dir/&lt;h&gt;.png cannot be read", "notes.txt is not a PNG file",
        /* escaping */
        "Run &lt;1&gt; &amp; &quot;R&amp;D&quot;", "test/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;.png",
        "a&lt;b &amp; &quot;c&quot;", "/data/x&amp;y",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(html, want[i])) print_error("the report lacks '%s'\n", want[i]);
        assert_non_null(strstr(html, want[i]));
    }
    /* ROC, PR, histogram, two training charts (one with two series) */
    assert_int_equal(count(html, "<svg"), 5);
    assert_int_equal(count(html, ">WGAN-GP</text>"), 1);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<h>"));
    free(html);
    scratch_remove(&t);
}

/* The largest number of points of any polyline in the page. */
static int max_points(const char *html) {
    int most = 0;
    for (const char *p = strstr(html, "points=\""); p; p = strstr(p + 1, "points=\"")) {
        int n = 1;
        for (const char *q = p + 8; *q != '"'; q++) n += *q == ' ';
        most = n > most ? n : most;
    }
    return most;
}

static void test_report_minimal_and_one_class(void **s) {
    (void)s;
    scratch t;
    scratch_make(&t);
    static double x[100000];
    for (int i = 0; i < 100000; i++) x[i] = sin(i * 0.01);
    nb_report_series loss = {NULL, "loss", x, NULL, 100000};
    double sc[] = {1, 2, 3};
    nb_report r = {.scores = sc, .labels = (uint8_t[]){0, 0, 0}, .n = 3, .losses = &loss, .n_losses = 1};
    char *html = write_and_read(&t, &r);
    assert_non_null(strstr(html, "lacks normal or anomalous images"));
    assert_non_null(strstr(html, "<h1>Anomaly detection report</h1>"));
    assert_int_equal(count(html, "<svg"), 2); /* histogram and loss */
    assert_true(max_points(html) <= 400);
    free(html);
    scratch_remove(&t);
    TU_NO_ERROR();
}

static void test_report_errors(void **s) {
    (void)s;
    double sc[] = {1, 2};
    nb_report r = {.scores = sc, .labels = (uint8_t[]){0, 2}, .n = 2};
    assert_int_equal(nb_report_write("/tmp/nb_never.html", &r), -1);
    tu_expect_error("report: image 1: label 2");
    r.labels = (uint8_t[]){0, 1};
    assert_int_equal(nb_report_write("/no/such/dir/report.html", &r), -1);
    tu_expect_error("report: cannot write '/no/such/dir/report.html.tmp': No such file or directory");
    assert_int_equal(access("/tmp/nb_never.html", F_OK), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        TU_TEST(test_colormap),          TU_TEST(test_image_from_tensor),
        TU_TEST(test_heatmap_overlay),   TU_TEST(test_image_grid),
        TU_TEST(test_comparison_grid),   TU_TEST(test_base64_and_escape),
        TU_TEST(test_report_contents),   TU_TEST(test_report_minimal_and_one_class),
        TU_TEST(test_report_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
