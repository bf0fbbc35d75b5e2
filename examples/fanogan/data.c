/* data.c — the fanogan tool's data wiring: the --data spec to an io dataset
 * (Fashion-MNIST one-class, MVTec AD layout, plain folders), the model's
 * default image size and channels for it, and the transform from an image to
 * the model's input. */
#include <string.h>
#include <strings.h>
#include "tool.h"

/* Fashion-MNIST's classes in label order, with the names people also use. */
static const char *const fashion_names[10][3] = {
    {"t-shirt", "tshirt", "top"}, {"trouser", "trousers", NULL}, {"pullover", NULL, NULL},
    {"dress", NULL, NULL},        {"coat", NULL, NULL},          {"sandal", "sandals", NULL},
    {"shirt", NULL, NULL},        {"sneaker", "sneakers", NULL}, {"bag", NULL, NULL},
    {"ankle-boot", "boot", "ankle_boot"}};

static int parse_fashion_class(const char *s, int *out) {
    if (s[0] >= '0' && s[0] <= '9' && !s[1]) return *out = s[0] - '0', 0;
    for (int c = 0; c < 10; c++)
        for (int k = 0; k < 3; k++)
            if (fashion_names[c][k] && !strcasecmp(s, fashion_names[c][k])) return *out = c, 0;
    nb_error_set("--data fashion-mnist:%s: the class is 0-9 or one of t-shirt, trouser, pullover, dress, coat, "
                 "sandal, shirt, sneaker, bag, ankle-boot", s);
    return -1;
}

/* Copies the n characters at s into dst (size bytes), failing when they do not fit. */
static int copy_part(char *dst, size_t size, const char *s, size_t n, const char *what) {
    if (n >= size) return nb_error_set("--data: %s is too long", what), -1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return 0;
}

int fg_data_parse(const char *spec, fg_data *d) {
    memset(d, 0, sizeof *d);
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon || !colon[1])
        return nb_error_set("--data '%s': expected fashion-mnist:CLASS, mvtec:DIR/CATEGORY or "
                            "folder:TRAIN_DIR[,TEST_DIR[,MASK_DIR]]", spec ? spec : ""), -1;
    size_t kind_len = (size_t)(colon - spec);
    const char *arg = colon + 1;
    if (kind_len == 13 && !strncmp(spec, "fashion-mnist", 13)) {
        /* fashion-mnist:CLASS[,DIR] */
        d->kind = DATA_FASHION;
        const char *comma = strchr(arg, ',');
        char cls[64];
        if (copy_part(cls, sizeof cls, arg, comma ? (size_t)(comma - arg) : strlen(arg), "the class") ||
            parse_fashion_class(cls, &d->fashion_class))
            return -1;
        const char *dir = comma ? comma + 1 : NB_FASHION_MNIST_DIR;
        return copy_part(d->dir, sizeof d->dir, dir, strlen(dir), "the folder");
    }
    if (kind_len == 5 && !strncmp(spec, "mvtec", 5)) {
        d->kind = DATA_MVTEC;
        size_t n = strlen(arg);
        while (n > 1 && arg[n - 1] == '/') n--;
        const char *slash = NULL;
        for (size_t i = 0; i < n; i++)
            if (arg[i] == '/') slash = arg + i;
        if (!slash || slash == arg)
            return nb_error_set("--data mvtec:%s: expected mvtec:DIR/CATEGORY, e.g. mvtec:/data/mvtec_ad/bottle", arg),
                   -1;
        return copy_part(d->dir, sizeof d->dir, arg, (size_t)(slash - arg), "the folder") ||
               copy_part(d->category, sizeof d->category, slash + 1, n - (size_t)(slash - arg) - 1, "the category");
    }
    if (kind_len == 6 && !strncmp(spec, "folder", 6)) {
        d->kind = DATA_FOLDER;
        char *dirs[3] = {d->train, d->test, d->masks};
        const char *p = arg;
        for (int k = 0; k < 3 && p; k++) {
            const char *comma = k < 2 ? strchr(p, ',') : NULL;
            if (copy_part(dirs[k], sizeof d->train, p, comma ? (size_t)(comma - p) : strlen(p), "a folder")) return -1;
            p = comma ? comma + 1 : NULL;
        }
        if (!*d->train) return nb_error_set("--data folder:%s: the training folder is missing", arg), -1;
        return 0;
    }
    return nb_error_set("--data '%s': unknown kind '%.*s' (fashion-mnist, mvtec or folder)", spec, (int)kind_len,
                        spec), -1;
}

nb_dataset *fg_data_open(const fg_data *d, bool train) {
    switch (d->kind) {
    case DATA_FASHION: return nb_fashion_mnist_one_class(d->dir, d->fashion_class, train);
    case DATA_MVTEC: return nb_mvtec(d->dir, d->category, train);
    case DATA_FOLDER:
        if (!train && !*d->test)
            return nb_error_set("--data folder:%s: no test folder (folder:TRAIN_DIR,TEST_DIR[,MASK_DIR])", d->train);
        return nb_image_folder(d->train, *d->test ? d->test : NULL, *d->masks ? d->masks : NULL, train);
    }
    return nb_error_set("--data: unknown kind");
}

int fg_data_defaults(const fg_data *d, const nb_dataset *train, int arch, int *img_size, int *channels) {
    if (!*img_size) *img_size = d->kind == DATA_FASHION ? (arch == NB_FANOGAN_MLP ? 28 : 32) : 64;
    if (*channels) return 0;
    if (d->kind == DATA_FASHION) return *channels = 1, 0;
    if (nb_dataset_size(train) < 1) return nb_error_set("the training set of --data is empty"), -1;
    nb_image img;
    if (nb_dataset_image(train, 0, 0, &img)) return -1;
    *channels = img.channels;
    nb_image_free(&img);
    return 0;
}

nb_transform fg_data_transform(const fg_data *d, const nb_fanogan_config *c) {
    nb_transform tf = {.channels = c->channels, .resize_h = c->image_size, .resize_w = c->image_size,
                       .normalize = true};
    if (d->kind == DATA_FASHION && c->image_size >= 28 && (c->image_size - 28) % 2 == 0) {
        /* the 28 x 28 digits of clothing, padded with background as the benchmarks do */
        tf.resize_h = tf.resize_w = 28;
        tf.pad = (c->image_size - 28) / 2;
    }
    return tf;
}

int fg_load_into(const nb_dataset *ds, int64_t i, const char *path, const nb_transform *tf, nb_tensor *batch,
                 int64_t k, nb_tensor *masks) {
    nb_image img, mask = {0};
    if (ds ? nb_dataset_image(ds, i, tf->channels, &img) : nb_png_read(path, &img, tf->channels)) return -1;
    if (masks && nb_dataset_mask(ds, i, img.width, img.height, &mask)) {
        nb_image_free(&img);
        return -1;
    }
    nb_tensor *m = NULL, *x = nb_transform_apply(tf, &img, masks ? &mask : NULL, 1.0, masks ? &m : NULL);
    nb_image_free(&img);
    if (mask.pixels) nb_image_free(&mask);
    if (!x || (masks && !m)) return -1;
    int64_t per = batch->numel / batch->shape[0], hw = batch->shape[2] * batch->shape[3];
    if (x->numel != per) {
        char s[96];
        return nb_error_set("%s gives %s, the model wants [%lld,%lld,%lld]", ds ? nb_dataset_item(ds, i)->name : path,
                            nb_shape_str(x, s), (long long)batch->shape[1], (long long)batch->shape[2],
                            (long long)batch->shape[3]), -1;
    }
    memcpy(batch->data + k * per, x->data, (size_t)per * sizeof *x->data);
    if (masks) memcpy(masks->data + k * hw, m->data, (size_t)hw * sizeof *m->data);
    return 0;
}

bool fg_data_has_masks(const nb_dataset *ds) {
    for (int64_t i = 0; i < nb_dataset_size(ds); i++)
        if (nb_dataset_item(ds, i)->mask_path) return true;
    return false;
}
