/* test_io_data.c — datasets (a synthetic MVTec AD tree, plain image folders,
 * the Fashion-MNIST one-class split when installed), transforms against
 * hand-computed values, the pipeline, and the loader: batching, seeded and
 * deterministic shuffles, masks, error reporting and clean shutdown. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io_util.h"
#include "nb_io.h"
#include "test_util.h"

/* A w x h PNG of channels c whose every sample is v. */
static void write_flat(const char *path, int w, int h, int c, int v) {
    nb_image img;
    assert_int_equal(nb_image_alloc(&img, w, h, c), 0);
    memset(img.pixels, v, (size_t)w * h * c);
    assert_int_equal(nb_png_write(path, &img), 0);
    nb_image_free(&img);
}

/* A mask: the left half 255, the rest 0. */
static void write_mask(const char *path, int w, int h) {
    nb_image m;
    assert_int_equal(nb_image_alloc(&m, w, h, 1), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w / 2; x++) m.pixels[y * w + x] = 255;
    assert_int_equal(nb_png_write(path, &m), 0);
    nb_image_free(&m);
}

/* root/cat/{train/good/000-002, test/{crack/000-001, good/000, hole/000},
 * ground_truth/{crack,hole}/<name>_mask.png}, 8 x 6 RGB */
static const char *make_mvtec(void) {
    const char *root = iu_tmpdir();
    const char *dirs[] = {"cat/train/good", "cat/test/good", "cat/test/crack", "cat/test/hole",
                          "cat/ground_truth/crack", "cat/ground_truth/hole"};
    for (int i = 0; i < 6; i++) iu_mkdirs(iu_path(root, dirs[i]));
    const char *images[] = {"cat/train/good/002.png", "cat/train/good/000.png", "cat/train/good/001.png",
                            "cat/test/good/000.png", "cat/test/crack/001.png", "cat/test/crack/000.png",
                            "cat/test/hole/000.png"};
    for (int i = 0; i < 7; i++) write_flat(iu_path(root, images[i]), 8, 6, 3, 10 * i);
    const char *masks[] = {"cat/ground_truth/crack/000_mask.png", "cat/ground_truth/crack/001_mask.png",
                           "cat/ground_truth/hole/000_mask.png"};
    for (int i = 0; i < 3; i++) write_mask(iu_path(root, masks[i]), 8, 6);
    iu_write(iu_path(root, "cat/train/good/notes.txt"), "x", 1); /* not a PNG: ignored */
    return root;
}

static void expect_item(const nb_dataset *ds, int64_t i, const char *root, const char *name, int label,
                        const char *defect, const char *mask) {
    const nb_item *it = nb_dataset_item(ds, i);
    assert_non_null(it);
    assert_string_equal(it->name, iu_path(root, name));
    assert_int_equal(it->label, label);
    assert_string_equal(it->defect, defect);
    if (mask)
        assert_string_equal(it->mask_path, iu_path(root, mask));
    else
        assert_null(it->mask_path);
}

static void test_mvtec(void **s) {
    (void)s;
    const char *root = make_mvtec();
    nb_dataset *tr = nb_mvtec(root, "cat", true);
    assert_non_null(tr);
    assert_int_equal(nb_dataset_size(tr), 3);
    expect_item(tr, 0, root, "cat/train/good/000.png", 0, "good", NULL);
    expect_item(tr, 2, root, "cat/train/good/002.png", 0, "good", NULL);
    nb_dataset *te = nb_mvtec(root, "cat", false);
    assert_non_null(te);
    assert_int_equal(nb_dataset_size(te), 4);
    expect_item(te, 0, root, "cat/test/crack/000.png", 1, "crack", "cat/ground_truth/crack/000_mask.png");
    expect_item(te, 1, root, "cat/test/crack/001.png", 1, "crack", "cat/ground_truth/crack/001_mask.png");
    expect_item(te, 2, root, "cat/test/good/000.png", 0, "good", NULL);
    expect_item(te, 3, root, "cat/test/hole/000.png", 1, "hole", "cat/ground_truth/hole/000_mask.png");
    nb_image img, m;
    assert_int_equal(nb_dataset_image(te, 3, 0, &img), 0);
    assert_int_equal(img.channels, 3);
    assert_int_equal(img.pixels[0], 60);
    assert_int_equal(nb_dataset_mask(te, 3, img.width, img.height, &m), 0);
    assert_int_equal(m.pixels[0], 255);
    assert_int_equal(m.pixels[7], 0);
    nb_image_free(&m);
    assert_int_equal(nb_dataset_mask(te, 2, 8, 6, &m), 0); /* good: all zero */
    for (int p = 0; p < 48; p++) assert_int_equal(m.pixels[p], 0);
    nb_image_free(&m);
    assert_int_equal(nb_dataset_mask(te, 0, 9, 6, &m), -1);
    tu_expect_error("000_mask.png is 8x6, its image");
    nb_image_free(&img);
    assert_null(nb_dataset_item(te, 4));
    tu_expect_error("out of range");
    nb_dataset_free(tr);
    nb_dataset_free(te);
    /* a defect image without its mask, a missing category */
    remove(iu_path(root, "cat/ground_truth/hole/000_mask.png"));
    assert_null(nb_mvtec(root, "cat", false));
    tu_expect_error("no mask for");
    assert_null(nb_mvtec(root, "dog", true));
    tu_expect_error("dog/train/good: cannot open directory");
}

static void test_image_folder(void **s) {
    (void)s;
    const char *root = iu_tmpdir();
    iu_mkdirs(iu_path(root, "train"));
    iu_mkdirs(iu_path(root, "test/scratch"));
    iu_mkdirs(iu_path(root, "test/good"));
    iu_mkdirs(iu_path(root, "masks/scratch"));
    write_flat(iu_path(root, "train/b.png"), 4, 4, 1, 1);
    write_flat(iu_path(root, "train/a.PNG"), 4, 4, 1, 2);
    write_flat(iu_path(root, "test/x.png"), 4, 4, 1, 3);
    write_flat(iu_path(root, "test/y.png"), 4, 4, 1, 4);
    write_flat(iu_path(root, "test/good/g.png"), 4, 4, 1, 5);
    write_flat(iu_path(root, "test/scratch/s.png"), 4, 4, 1, 6);
    write_mask(iu_path(root, "masks/y.png"), 4, 4);
    write_mask(iu_path(root, "masks/scratch/s_mask.png"), 4, 4);
    nb_dataset *tr = nb_image_folder(iu_path(root, "train"), NULL, NULL, true);
    assert_int_equal(nb_dataset_size(tr), 2);
    expect_item(tr, 0, root, "train/a.PNG", 0, "good", NULL);
    expect_item(tr, 1, root, "train/b.png", 0, "good", NULL);
    nb_dataset *te = nb_image_folder(NULL, iu_path(root, "test"), iu_path(root, "masks"), false);
    assert_non_null(te);
    assert_int_equal(nb_dataset_size(te), 4);
    expect_item(te, 0, root, "test/x.png", 0, "good", NULL);
    expect_item(te, 1, root, "test/y.png", 1, "anomalous", "masks/y.png");
    expect_item(te, 2, root, "test/good/g.png", 0, "good", NULL);
    expect_item(te, 3, root, "test/scratch/s.png", 1, "scratch", "masks/scratch/s_mask.png");
    nb_dataset *nomask = nb_image_folder(NULL, iu_path(root, "test"), NULL, false);
    assert_int_equal(nb_dataset_size(nomask), 4);
    assert_int_equal(nb_dataset_item(nomask, 1)->label, 0);
    assert_int_equal(nb_dataset_item(nomask, 3)->label, 1); /* the folder name decides */
    nb_dataset_free(tr);
    nb_dataset_free(te);
    nb_dataset_free(nomask);
    assert_null(nb_image_folder(NULL, NULL, NULL, false));
    tu_expect_error("without a test directory");
    /* a broken image fails when loaded, naming it */
    iu_write(iu_path(root, "train/c.png"), "\x89PNG\r\n\x1a\n\0\0", 10);
    tr = nb_image_folder(iu_path(root, "train"), NULL, NULL, true);
    nb_image img;
    assert_int_equal(nb_dataset_image(tr, 2, 1, &img), -1);
    tu_expect_error("train/c.png");
    nb_dataset_free(tr);
}

static void test_fashion_mnist_one_class(void **s) {
    (void)s;
    FILE *f = fopen(NB_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz", "rb");
    if (!f) skip();
    fclose(f);
    nb_dataset *tr = nb_fashion_mnist_one_class(NB_FASHION_MNIST_DIR, 8, true);
    assert_non_null(tr);
    assert_int_equal(nb_dataset_size(tr), 6000);
    for (int64_t i = 0; i < 6000; i++) {
        assert_int_equal(nb_dataset_item(tr, i)->label, 0);
        assert_string_equal(nb_dataset_item(tr, i)->defect, "bag");
    }
    nb_dataset *te = nb_fashion_mnist_one_class(NB_FASHION_MNIST_DIR, 8, false);
    assert_int_equal(nb_dataset_size(te), 10000);
    int normal = 0;
    for (int64_t i = 0; i < 10000; i++) normal += nb_dataset_item(te, i)->label == 0;
    assert_int_equal(normal, 1000);
    /* test item 0 is an ankle boot: anomalous for the bag class */
    assert_string_equal(nb_dataset_item(te, 0)->name, "fashion-mnist/test/0");
    assert_string_equal(nb_dataset_item(te, 0)->defect, "ankle-boot");
    assert_int_equal(nb_dataset_item(te, 0)->label, 1);
    assert_null(nb_dataset_item(te, 0)->mask_path);
    nb_idx raw;
    assert_int_equal(nb_idx_read(NB_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz", &raw), 0);
    nb_image img, m;
    assert_int_equal(nb_dataset_image(te, 123, 0, &img), 0);
    assert_int_equal(img.width, 28);
    assert_int_equal(img.channels, 1);
    assert_memory_equal(img.pixels, raw.data + 123 * 784, 784);
    nb_image_free(&img);
    assert_int_equal(nb_dataset_image(te, 123, 3, &img), 0); /* replicated to RGB */
    assert_int_equal(img.pixels[3 * 400 + 2], raw.data[123 * 784 + 400]);
    assert_int_equal(nb_dataset_mask(te, 123, 28, 28, &m), 0);
    nb_image_free(&m);
    nb_image_free(&img);
    nb_idx_free(&raw);
    nb_dataset_free(tr);
    nb_dataset_free(te);
    assert_null(nb_fashion_mnist_one_class(NB_FASHION_MNIST_DIR, 10, true));
    tu_expect_error("normal class 10");
    assert_null(nb_fashion_mnist_one_class("/nonexistent", 0, true));
    tu_expect_error("/nonexistent/train-images-idx3-ubyte: cannot open");
}

/* ---- transforms ------------------------------------------------------------------ */

static void test_resize_values(void **s) {
    (void)s;
    /* enlarging 2 -> 4: bilinear between pixel centres, edges clamped */
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 1, 2), (nb_real[]){0, 1});
    tu_assert_close(nb_tf_resize(x, 1, 4)->data, (double[]){0, 0.25, 0.75, 1}, 4, 1e-6);
    /* shrinking 4 -> 2: output 0 has centre 1, support 2, input centres 0.5, 1.5,
     * 2.5 at distances 0.5, 0.5, 1.5 -> weights 0.75, 0.75, 0.25 (/1.75) */
    x = nb_from_data(NB_SHAPE(1, 1, 4), (nb_real[]){0, 1, 2, 3});
    tu_assert_close(nb_tf_resize(x, 1, 2)->data, (double[]){1.25 / 1.75, 4 / 1.75}, 2, 1e-6);
    /* the same along the height, channel by channel */
    x = nb_from_data(NB_SHAPE(2, 4, 1), (nb_real[]){0, 1, 2, 3, 10, 10, 10, 10});
    tu_assert_close(nb_tf_resize(x, 2, 1)->data, (double[]){1.25 / 1.75, 4 / 1.75, 10, 10}, 4, 1e-5);
    /* 3x -> 1: one output averaging all three with weights 1/3, 2/3... : centre 1.5,
     * support 3, distances 1, 0, 1 -> weights 2/3, 1, 2/3 */
    x = nb_from_data(NB_SHAPE(1, 1, 3), (nb_real[]){3, 6, 9});
    tu_assert_close(nb_tf_resize(x, 1, 1)->data, (double[]){(2.0 + 6 + 6) / (7.0 / 3)}, 1, 1e-5);
    /* same size: identity; a constant stays constant */
    nb_tensor *u = nb_uniform(NB_SHAPE(3, 5, 7), 0, 1);
    nb_tensor *same = nb_tf_resize(u, 5, 7);
    for (int64_t i = 0; i < u->numel; i++) assert_true(fabs((double)(same->data[i] - u->data[i])) < 1e-6);
    nb_tensor *c = nb_tf_resize(nb_full(NB_SHAPE(1, 9, 13), 0.3), 4, 5);
    for (int64_t i = 0; i < c->numel; i++) assert_true(fabs((double)c->data[i] - 0.3) < 1e-6);
    /* antialiasing: a 1-pixel stripe pattern shrunk 4x averages to its mean */
    nb_tensor *stripes = nb_tensor_new(NB_SHAPE(1, 1, 64));
    for (int i = 0; i < 64; i++) stripes->data[i] = (nb_real)(i % 2);
    nb_tensor *small = nb_tf_resize(stripes, 1, 16);
    for (int i = 1; i < 15; i++) assert_true(fabs((double)small->data[i] - 0.5) < 1e-6);
    assert_null(nb_tf_resize(x, 0, 3));
    tu_expect_error("sizes must be positive");
    assert_null(nb_tf_resize(nb_zeros(NB_SHAPE(4, 4)), 2, 2));
    tu_expect_error("resize: want [C,H,W], got [4,4]");
}

static void test_crop_pad_flip_gray(void **s) {
    (void)s;
    nb_real v[20];
    for (int i = 0; i < 20; i++) v[i] = (nb_real)i;
    nb_tensor *x = nb_from_data(NB_SHAPE(1, 4, 5), v);
    /* 4x5 -> 2x3: offsets (1, 1) */
    tu_assert_close(nb_tf_center_crop(x, 2, 3)->data, (double[]){6, 7, 8, 11, 12, 13}, 6, 0);
    /* 4x5 -> 1x2: offsets (floor 1.5, floor 1.5) = (1, 1) */
    tu_assert_close(nb_tf_center_crop(x, 1, 2)->data, (double[]){6, 7}, 2, 0);
    assert_null(nb_tf_center_crop(x, 5, 5));
    tu_expect_error("cannot cut 5x5 out of 4x5");
    nb_tensor *p = nb_tf_pad(nb_from_data(NB_SHAPE(1, 1, 2), (nb_real[]){1, 2}), 1, 0, 2, 1, -1);
    assert_int_equal(p->shape[1], 2);
    assert_int_equal(p->shape[2], 5);
    tu_assert_close(p->data, (double[]){-1, -1, -1, -1, -1, -1, -1, 1, 2, -1}, 10, 0);
    assert_null(nb_tf_pad(x, -1, 0, 0, 0, 0));
    tu_expect_error("negative padding");
    nb_tensor *f = nb_tf_hflip(nb_from_data(NB_SHAPE(2, 1, 3), (nb_real[]){1, 2, 3, 4, 5, 6}));
    tu_assert_close(f->data, (double[]){3, 2, 1, 6, 5, 4}, 6, 0);
    nb_tensor *rgb = nb_from_data(NB_SHAPE(3, 1, 2), (nb_real[]){1, 0, 0, 1, 0, 0.5});
    tu_assert_close(nb_tf_grayscale(rgb)->data, (double[]){0.299, 0.587 + 0.057}, 2, 1e-6);
    assert_null(nb_tf_grayscale(nb_zeros(NB_SHAPE(2, 1, 1))));
    tu_expect_error("2 channels");
    tu_assert_close(nb_tf_normalize(nb_from_data(NB_SHAPE(1, 1, 3), (nb_real[]){0, 0.5, 1}))->data,
                    (double[]){-1, 0, 1}, 3, 0);
}

static void test_pipeline(void **s) {
    (void)s;
    /* 2x4 gray, columns 0, 51, 102, 255 -> RGB, crop 2x2 (cols 1-2), pad 1,
     * flipped, normalized */
    nb_image img;
    assert_int_equal(nb_image_alloc(&img, 4, 2, 1), 0);
    const uint8_t cols[4] = {0, 51, 102, 255};
    for (int i = 0; i < 8; i++) img.pixels[i] = cols[i % 4];
    nb_image mask;
    assert_int_equal(nb_image_alloc(&mask, 4, 2, 1), 0);
    mask.pixels[1] = mask.pixels[5] = 255; /* column 1 */
    nb_transform tf = {.channels = 3, .crop_h = 2, .crop_w = 2, .pad = 1, .hflip_p = 0.5, .normalize = true};
    int64_t shape[3];
    nb_transform_shape(&tf, 2, 4, shape);
    assert_true(shape[0] == 3 && shape[1] == 4 && shape[2] == 4);
    nb_tensor *m, *x = nb_transform_apply(&tf, &img, &mask, 0.25, &m); /* 0.25 < 0.5: flip */
    assert_non_null(x);
    assert_int_equal(x->shape[0], 3);
    assert_int_equal(x->shape[1], 4);
    assert_int_equal(x->shape[2], 4);
    /* row 1 of each channel: pad 0, then flipped {0.4, 0.2}, pad 0; then 2x - 1 */
    for (int c = 0; c < 3; c++)
        tu_assert_close(x->data + c * 16 + 4, (double[]){-1, 2 * 0.4 - 1, 2 * 0.2 - 1, -1}, 4, 1e-6);
    tu_assert_close(m->data + 4, (double[]){0, 0, 1, 0}, 4, 0);
    /* no flip when the draw is above p; resize of the mask stays binary */
    tf = (nb_transform){.channels = 1, .resize_h = 4, .resize_w = 8, .hflip_p = 0.5};
    x = nb_transform_apply(&tf, &img, &mask, 0.75, &m);
    assert_int_equal(x->shape[2], 8);
    for (int64_t i = 0; i < m->numel; i++) assert_true(m->data[i] == 0 || m->data[i] == 1);
    assert_true(m->data[2] == 1 && m->data[0] == 0);
    tf.channels = 2;
    assert_null(nb_transform_apply(&tf, &img, NULL, 0, NULL));
    tu_expect_error("channels must be 1 or 3");
    nb_image_free(&img);
    nb_image_free(&mask);
}

/* ---- the loader ------------------------------------------------------------------- */

/* n gray 3x2 images, image i filled with value 10 i; every third has a mask */
static nb_dataset *numbered(int n, const char **root_out) {
    const char *root = iu_tmpdir();
    iu_mkdirs(iu_path(root, "test"));
    iu_mkdirs(iu_path(root, "masks"));
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "test/%03d.png", i);
        write_flat(iu_path(root, name), 3, 2, 1, 10 * i);
        if (i % 3 == 0) {
            snprintf(name, sizeof name, "masks/%03d.png", i);
            write_mask(iu_path(root, name), 3, 2);
        }
    }
    if (root_out) *root_out = root;
    return nb_image_folder(NULL, iu_path(root, "test"), iu_path(root, "masks"), false);
}

/* the indices of one epoch's batches, checking each batch's contents */
static int64_t run_epoch(nb_loader *ld, int64_t *order, int64_t bs, bool masks) {
    nb_batch b;
    int64_t total = 0;
    int rc;
    while ((rc = nb_loader_next(ld, &b)) == 1) {
        assert_true(b.n >= 1 && b.n <= bs);
        assert_int_equal(b.images->shape[0], b.n);
        for (int64_t k = 0; k < b.n; k++) {
            int64_t idx = b.indices[k];
            order[total++] = idx;
            assert_true(fabs((double)b.images->data[k * 6] - 10.0 * idx / 255) < 1e-6);
            assert_int_equal(b.labels[k], idx % 3 == 0);
            if (masks) assert_true(b.masks->data[k * 6] == (idx % 3 == 0 ? 1 : 0));
        }
    }
    assert_int_equal(rc, 0);
    return total;
}

static void test_loader_order(void **s) {
    (void)s;
    nb_dataset *ds = numbered(10, NULL);
    nb_transform tf = {.channels = 1};
    nb_loader *ld = nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 4});
    assert_int_equal(nb_loader_batches_per_epoch(ld), 3);
    int64_t order[16];
    for (int e = 0; e < 2; e++) {
        assert_int_equal(run_epoch(ld, order, 4, false), 10);
        for (int i = 0; i < 10; i++) assert_int_equal(order[i], i);
    }
    nb_loader_free(ld);
    ld = nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 4, .drop_last = true, .masks = true});
    assert_int_equal(nb_loader_batches_per_epoch(ld), 2);
    assert_int_equal(run_epoch(ld, order, 4, true), 8);
    nb_loader_free(ld);
    nb_dataset_free(ds);
    TU_NO_ERROR();
}

static void test_loader_shuffle_determinism(void **s) {
    (void)s;
    nb_dataset *ds = numbered(10, NULL);
    nb_transform tf = {.channels = 1};
    nb_loader_opts o = {.batch_size = 3, .shuffle = true, .seed = 42, .masks = true};
    /* the global RNG sequence is the same with or without a loader running */
    nb_seed(7);
    uint32_t want[4];
    for (int i = 0; i < 4; i++) want[i] = nb_rand_u32();
    nb_seed(7);
    nb_loader *a = nb_loader_new(ds, &tf, o), *b = nb_loader_new(ds, &tf, o);
    int64_t oa[3][10], ob[3][10];
    for (int e = 0; e < 3; e++) {
        assert_int_equal(run_epoch(a, oa[e], 3, true), 10);
        assert_int_equal(run_epoch(b, ob[e], 3, true), 10);
        assert_memory_equal(oa[e], ob[e], sizeof oa[e]);
        int seen[10] = {0};
        for (int i = 0; i < 10; i++) seen[oa[e][i]]++;
        for (int i = 0; i < 10; i++) assert_int_equal(seen[i], 1); /* a permutation */
    }
    for (int i = 0; i < 4; i++) assert_int_equal(nb_rand_u32(), want[i]);
    assert_true(memcmp(oa[0], oa[1], sizeof oa[0]) != 0); /* each epoch its own order */
    nb_loader_free(a);
    nb_loader_free(b);
    o.seed = 43;
    a = nb_loader_new(ds, &tf, o);
    int64_t oc[10];
    run_epoch(a, oc, 3, true);
    assert_true(memcmp(oa[0], oc, sizeof oc) != 0);
    nb_loader_free(a);
    /* random flips are part of the seeded stream too */
    nb_transform flip = {.channels = 1, .hflip_p = 0.5};
    o.seed = 42;
    nb_loader *f1 = nb_loader_new(ds, &flip, o), *f2 = nb_loader_new(ds, &flip, o);
    nb_batch b1, b2;
    int flipped = 0, kept = 0;
    for (int k = 0; k < 12; k++) { /* 4 epochs of 3 batches */
        int r1 = nb_loader_next(f1, &b1), r2 = nb_loader_next(f2, &b2);
        assert_int_equal(r1, r2);
        if (r1 == 0) continue;
        assert_memory_equal(b1.masks->data, b2.masks->data, (size_t)b1.masks->numel * sizeof(nb_real));
        for (int64_t i = 0; i < b1.n; i++) /* masks: left column set, or right after a flip */
            if (b1.indices[i] % 3 == 0) {
                flipped += b1.masks->data[i * 6 + 2] == 1;
                kept += b1.masks->data[i * 6] == 1;
            }
    }
    assert_true(flipped > 0 && kept > 0);
    assert_int_equal(nb_loader_next(f1, &b1), 1);
    nb_loader_free(f1); /* mid-epoch, with a prefetch in flight */
    nb_loader_free(f2);
    nb_dataset_free(ds);
    TU_NO_ERROR();
}

static void test_loader_errors(void **s) {
    (void)s;
    const char *root;
    nb_dataset *ds = numbered(5, &root);
    nb_transform tf = {.channels = 1};
    assert_null(nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 0}));
    tu_expect_error("batch size 0");
    assert_null(nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 8, .drop_last = true}));
    tu_expect_error("no full batch");
    assert_null(nb_loader_new(ds, &(nb_transform){.channels = 2}, (nb_loader_opts){.batch_size = 2}));
    tu_expect_error("channels must be 1 or 3");
    /* a file broken after listing: its batch fails naming it, the rest go on */
    iu_write(iu_path(root, "test/003.png"), "junk", 4);
    nb_loader *ld = nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 2});
    nb_batch b;
    assert_int_equal(nb_loader_next(ld, &b), 1);
    assert_int_equal(nb_loader_next(ld, &b), -1);
    tu_expect_error("test/003.png: not a PNG file");
    assert_int_equal(nb_loader_next(ld, &b), 1);
    assert_int_equal(b.indices[0], 4);
    assert_int_equal(nb_loader_next(ld, &b), 0);
    nb_loader_free(ld);
    /* an image of another size without a resize */
    write_flat(iu_path(root, "test/003.png"), 3, 2, 1, 30);
    write_flat(iu_path(root, "test/004.png"), 5, 5, 1, 0);
    ld = nb_loader_new(ds, &tf, (nb_loader_opts){.batch_size = 5});
    assert_int_equal(nb_loader_next(ld, &b), -1);
    tu_expect_error("004.png gives [1,5,5], the batch wants [1,2,3]");
    nb_loader_free(ld);
    /* with a resize every item fits */
    ld = nb_loader_new(ds, &(nb_transform){.channels = 3, .resize_h = 4, .resize_w = 4},
                       (nb_loader_opts){.batch_size = 5, .masks = true});
    assert_int_equal(nb_loader_next(ld, &b), 1);
    assert_int_equal(b.images->shape[1], 3);
    assert_int_equal(b.masks->shape[1], 1);
    assert_int_equal(b.masks->shape[3], 4);
    nb_loader_free(ld);
    nb_dataset_free(ds);
    TU_NO_ERROR();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        IO_TEST(test_mvtec),
        IO_TEST(test_image_folder),
        IO_TEST(test_fashion_mnist_one_class),
        IO_TEST(test_resize_values),
        IO_TEST(test_crop_pad_flip_gray),
        IO_TEST(test_pipeline),
        IO_TEST(test_loader_order),
        IO_TEST(test_loader_shuffle_determinism),
        IO_TEST(test_loader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
