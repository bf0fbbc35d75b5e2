/* dataset.c — datasets as sorted, deterministic lists of items: Fashion-MNIST
 * one-class splits held in memory, the MVTec AD folder layout, and plain image
 * folders. Folder datasets keep paths and load images on demand (from the
 * loader's worker thread too: nothing here is mutated after construction). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "io_internal.h"

struct nb_dataset {
    nb_item *items;
    int64_t n, cap;
    uint8_t *pixels; /* in-memory datasets: n images of h x w gray bytes */
    int h, w;
};

static const char *const fashion_classes[10] = {"t-shirt", "trouser", "pullover", "dress", "coat",
                                                "sandal",  "shirt",   "sneaker",  "bag",   "ankle-boot"};

static nb_dataset *dataset_new(void) {
    nb_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) nb_error_set("dataset: out of memory");
    return ds;
}

void nb_dataset_free(nb_dataset *ds) {
    if (!ds) return;
    for (int64_t i = 0; i < ds->n; i++) {
        free((char *)ds->items[i].name);
        free((char *)ds->items[i].defect);
        free((char *)ds->items[i].mask_path);
    }
    free(ds->items);
    free(ds->pixels);
    free(ds);
}

/* Appends an item; takes ownership of name and mask (malloc'ed, mask may be
 * NULL), copies defect. */
static int add_item(nb_dataset *ds, char *name, int label, const char *defect, char *mask) {
    char *d = name ? nb_strdup(defect) : NULL;
    if (ds->n == ds->cap) {
        int64_t cap = ds->cap ? 2 * ds->cap : 64;
        nb_item *it = realloc(ds->items, (size_t)cap * sizeof *it);
        if (it) {
            ds->items = it;
            ds->cap = cap;
        }
    }
    if (!name || !d || ds->n == ds->cap) {
        free(name);
        free(d);
        free(mask);
        return nb_io_fail("dataset: out of memory");
    }
    ds->items[ds->n++] = (nb_item){name, label, d, mask};
    return 0;
}

int64_t nb_dataset_size(const nb_dataset *ds) { return ds ? ds->n : 0; }

const nb_item *nb_dataset_item(const nb_dataset *ds, int64_t i) {
    if (!ds || i < 0 || i >= ds->n) return nb_error_set("dataset: item %lld out of range", (long long)i);
    return &ds->items[i];
}

/* ---- Fashion-MNIST ---------------------------------------------------------------- */

/* dir/<stem>-ubyte.gz, else dir/<stem>-ubyte */
static int read_fashion(const char *dir, const char *stem, nb_idx *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-ubyte.gz", dir, stem);
    struct stat st;
    if (stat(path, &st) != 0) snprintf(path, sizeof path, "%s/%s-ubyte", dir, stem);
    return nb_idx_read(path, out);
}

static int fill_fashion(nb_dataset *ds, const nb_idx *img, const nb_idx *lab, int normal, bool train) {
    if (img->ndim != 3 || lab->ndim != 1 || img->dims[0] != lab->dims[0])
        return nb_io_fail("fashion-mnist: images [%lld,...] and labels [%lld] do not match",
                          (long long)img->dims[0], (long long)lab->dims[0]);
    ds->h = (int)img->dims[1];
    ds->w = (int)img->dims[2];
    int64_t hw = (int64_t)ds->h * ds->w, n = 0;
    ds->pixels = malloc((size_t)(img->size ? img->size : 1));
    if (!ds->pixels) return nb_io_fail("fashion-mnist: out of memory");
    for (int64_t i = 0; i < lab->dims[0]; i++) {
        int c = lab->data[i];
        if (c > 9) return nb_io_fail("fashion-mnist: label %d of item %lld is not a class 0-9", c, (long long)i);
        if (train && c != normal) continue;
        char name[64];
        snprintf(name, sizeof name, "fashion-mnist/%s/%lld", train ? "train" : "test", (long long)i);
        memcpy(ds->pixels + n++ * hw, img->data + i * hw, (size_t)hw);
        if (add_item(ds, nb_strdup(name), c != normal, fashion_classes[c], NULL)) return -1;
    }
    return 0;
}

nb_dataset *nb_fashion_mnist_one_class(const char *dir, int normal_class, bool train) {
    if (normal_class < 0 || normal_class > 9)
        return nb_error_set("fashion-mnist: normal class %d is not 0-9", normal_class);
    nb_idx img, lab;
    if (read_fashion(dir, train ? "train-images-idx3" : "t10k-images-idx3", &img)) return NULL;
    if (read_fashion(dir, train ? "train-labels-idx1" : "t10k-labels-idx1", &lab)) {
        nb_idx_free(&img);
        return NULL;
    }
    nb_dataset *ds = dataset_new();
    if (ds && fill_fashion(ds, &img, &lab, normal_class, train)) {
        nb_dataset_free(ds);
        ds = NULL;
    }
    nb_idx_free(&img);
    nb_idx_free(&lab);
    return ds;
}

/* ---- folders ----------------------------------------------------------------------- */

static bool is_png(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".png") == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_list(char **list, int n) {
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* The sorted names in dir that are PNG files (dirs false) or subdirectories
 * (dirs true); hidden entries are skipped. */
static int list_dir(const char *dir, bool dirs, char ***out, int *n_out) {
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) return nb_io_fail("dataset: %s: cannot open directory: %s", dir, strerror(errno));
    char **list = NULL;
    int n = 0, cap = 0, rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *full = nb_path_join(dir, e->d_name);
        struct stat st;
        bool keep = full && stat(full, &st) == 0 && (dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode) && is_png(e->d_name));
        free(full);
        if (!keep) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **l = realloc(list, (size_t)cap * sizeof *l);
            if (!l) {
                rc = nb_io_fail("dataset: %s: out of memory", dir);
                break;
            }
            list = l;
        }
        if (!(list[n] = nb_strdup(e->d_name))) rc = -1;
        else n++;
    }
    closedir(d);
    if (rc) {
        free_list(list, n);
        return -1;
    }
    if (n) qsort(list, (size_t)n, sizeof *list, cmp_str);
    *out = list;
    *n_out = n;
    return 0;
}

static bool file_exists(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The mask of image `file` (a PNG name) in mask_dir: <stem>_mask.png (MVTec's
 * name), else <file> itself. NULL when neither exists. */
static char *find_mask(const char *mask_dir, const char *file) {
    if (!mask_dir) return NULL;
    size_t stem = strlen(file) - 4;
    char name[1024];
    snprintf(name, sizeof name, "%.*s_mask.png", (int)stem, file);
    char *p = nb_path_join(mask_dir, name);
    if (file_exists(p)) return p;
    free(p);
    p = nb_path_join(mask_dir, file);
    if (file_exists(p)) return p;
    free(p);
    return NULL;
}

/* Adds every PNG of dir. label < 0: anomalous exactly when a mask exists.
 * need_mask: a missing mask is an error (MVTec's defect folders). */
static int add_folder(nb_dataset *ds, const char *dir, const char *defect, int label, const char *mask_dir,
                      bool need_mask) {
    char **files;
    int n;
    if (list_dir(dir, false, &files, &n)) return -1;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        char *mask = find_mask(mask_dir, files[i]);
        if (need_mask && !mask) {
            rc = nb_io_fail("dataset: no mask for %s/%s in %s", dir, files[i], mask_dir);
            break;
        }
        int lab = label >= 0 ? label : mask != NULL;
        const char *def = label >= 0 ? defect : mask ? "anomalous" : "good";
        rc = add_item(ds, nb_path_join(dir, files[i]), lab, def, mask);
    }
    free_list(files, n);
    return rc;
}

/* Each subfolder of test_dir is a defect type, "good" normal; masks under
 * mask_root/<defect>/ (required when need_mask). */
static int add_defect_folders(nb_dataset *ds, const char *test_dir, const char *mask_root, bool need_mask) {
    char **defects;
    int n;
    if (list_dir(test_dir, true, &defects, &n)) return -1;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        bool good = strcmp(defects[i], "good") == 0;
        char *dir = nb_path_join(test_dir, defects[i]);
        char *mdir = mask_root && !good ? nb_path_join(mask_root, defects[i]) : NULL;
        rc = dir ? add_folder(ds, dir, defects[i], good ? 0 : 1, mdir, need_mask && !good) : -1;
        free(dir);
        free(mdir);
    }
    free_list(defects, n);
    return rc;
}

static nb_dataset *finish(nb_dataset *ds, int rc) {
    if (rc) {
        nb_dataset_free(ds);
        return NULL;
    }
    return ds;
}

nb_dataset *nb_mvtec(const char *root, const char *category, bool train) {
    nb_dataset *ds = dataset_new();
    if (!ds) return NULL;
    char path[4096], masks[4096];
    if (train) {
        snprintf(path, sizeof path, "%s/%s/train/good", root, category);
        return finish(ds, add_folder(ds, path, "good", 0, NULL, false));
    }
    snprintf(path, sizeof path, "%s/%s/test", root, category);
    snprintf(masks, sizeof masks, "%s/%s/ground_truth", root, category);
    return finish(ds, add_defect_folders(ds, path, masks, true));
}

nb_dataset *nb_image_folder(const char *train_dir, const char *test_dir, const char *mask_dir, bool train) {
    if (!(train ? train_dir : test_dir))
        return nb_error_set("dataset: image folder without a %s directory", train ? "train" : "test");
    nb_dataset *ds = dataset_new();
    if (!ds) return NULL;
    if (train) return finish(ds, add_folder(ds, train_dir, "good", 0, NULL, false));
    int rc = add_folder(ds, test_dir, NULL, -1, mask_dir, false);
    return finish(ds, rc ? rc : add_defect_folders(ds, test_dir, mask_dir, false));
}

/* ---- loading items ------------------------------------------------------------------ */

int nb_dataset_image(const nb_dataset *ds, int64_t i, int channels, nb_image *img) {
    img->pixels = NULL;
    if (!nb_dataset_item(ds, i)) return -1;
    if (!ds->pixels) return nb_png_read(ds->items[i].name, img, channels);
    int c = channels == 3 ? 3 : 1;
    if (nb_image_alloc(img, ds->w, ds->h, c)) return -1;
    const uint8_t *src = ds->pixels + i * ds->h * ds->w;
    for (int64_t p = 0; p < (int64_t)ds->h * ds->w; p++)
        for (int k = 0; k < c; k++) img->pixels[p * c + k] = src[p];
    return 0;
}

int nb_dataset_mask(const nb_dataset *ds, int64_t i, int width, int height, nb_image *mask) {
    mask->pixels = NULL;
    const nb_item *it = nb_dataset_item(ds, i);
    if (!it) return -1;
    if (!it->mask_path) return nb_image_alloc(mask, width, height, 1);
    if (nb_png_read(it->mask_path, mask, 1)) return -1;
    if (mask->width != width || mask->height != height) {
        nb_io_fail("dataset: mask %s is %dx%d, its image %s is %dx%d", it->mask_path, mask->width,
                   mask->height, it->name, width, height);
        nb_image_free(mask);
        return -1;
    }
    /* any nonzero value marks a defect pixel */
    for (int64_t p = 0; p < (int64_t)width * height; p++) mask->pixels[p] = mask->pixels[p] ? 255 : 0;
    return 0;
}
