/* make_synthetic_mvtec — writes a synthetic anomaly-detection dataset in the
 * MVTec AD folder layout, so the f-AnoGAN tool can be trained and evaluated
 * without downloading anything:
 *   OUT/CATEGORY/train/good/000.png            normal textures
 *   OUT/CATEGORY/test/good/000.png             more normal textures
 *   OUT/CATEGORY/test/<defect>/000.png         textures with a defect
 *   OUT/CATEGORY/ground_truth/<defect>/000_mask.png
 * with <defect> scratch, spot and crack. The images come from models/synthetic.c;
 * this file only parses options and writes files. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "nb_eval.h"
#include "nb_io.h"

typedef struct {
    const char *out, *category;
    long size, channels, train, test_good, test_defect, seed;
} options;

/* The integer options: name, field, allowed range. */
static const struct {
    const char *name;
    size_t offset;
    long lo, hi;
} int_options[] = {
    {"--size", offsetof(options, size), 8, 4096},
    {"--channels", offsetof(options, channels), 1, 3},
    {"--train", offsetof(options, train), 0, 100000},
    {"--test-good", offsetof(options, test_good), 0, 100000},
    {"--test-defect", offsetof(options, test_defect), 0, 100000},
    {"--seed", offsetof(options, seed), 0, LONG_MAX},
};
#define N_INT_OPTIONS (int)(sizeof int_options / sizeof int_options[0])

/* Seed streams (see nb_synth_seed): the texture, the images of each folder,
 * and the defect shapes of each kind. */
enum {
    SPLIT_CATEGORY,
    SPLIT_TRAIN,
    SPLIT_TEST_GOOD,
    SPLIT_TEST_DEFECT,                           /* + kind */
    SPLIT_SHAPE = SPLIT_TEST_DEFECT + NB_DEFECT_KINDS /* + kind */
};

static void usage(FILE *f) {
    fprintf(f,
            "usage: make_synthetic_mvtec --out DIR [options]\n"
            "Writes a synthetic MVTec-style dataset: DIR/CATEGORY/{train/good, test/good,\n"
            "test/{scratch,spot,crack}, ground_truth/{scratch,spot,crack}} of PNG images.\n"
            "  --out DIR           output folder (required; created if missing)\n"
            "  --category NAME     category folder and texture (default: stripes)\n"
            "  --size N            image width and height, 8..4096 (default: 128)\n"
            "  --channels 1|3      gray or RGB (default: 3)\n"
            "  --train N           normal training images (default: 200)\n"
            "  --test-good N       normal test images (default: 40)\n"
            "  --test-defect N     test images per defect type (default: 15)\n"
            "  --seed N            seed of everything generated (default: 1)\n"
            "  --help              this text\n");
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "make_synthetic_mvtec: %s needs an integer in %ld..%ld, got '%s'\n", opt, lo, hi,
                s ? s : "(nothing)");
        return -1;
    }
    *out = v;
    return 0;
}

/* One option and its value at argv[i], argv[i + 1]. */
static int parse_option(const char *a, const char *v, options *o) {
    if (!strcmp(a, "--out") || !strcmp(a, "--category")) {
        if (!v || !*v) return fprintf(stderr, "make_synthetic_mvtec: %s needs a value\n", a), -1;
        if (!strcmp(a, "--out"))
            o->out = v;
        else
            o->category = v;
        return 0;
    }
    for (int k = 0; k < N_INT_OPTIONS; k++)
        if (!strcmp(a, int_options[k].name))
            return parse_long(a, v, int_options[k].lo, int_options[k].hi,
                              (long *)((char *)o + int_options[k].offset));
    return fprintf(stderr, "make_synthetic_mvtec: unknown option '%s' (see --help)\n", a), -1;
}

/* 0, 1 for --help, or -1 after a message on stderr. */
static int parse_options(int argc, char **argv, options *o) {
    *o = (options){NULL, "stripes", 128, 3, 200, 40, 15, 1};
    for (int i = 1; i < argc; i += 2) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (parse_option(argv[i], i + 1 < argc ? argv[i + 1] : NULL, o)) return -1;
    }
    if (!o->out) return fprintf(stderr, "make_synthetic_mvtec: --out DIR is required (see --help)\n"), -1;
    if (o->channels == 2) return fprintf(stderr, "make_synthetic_mvtec: --channels is 1 or 3, got 2\n"), -1;
    if (strchr(o->category, '/') || !strcmp(o->category, "..") || !strcmp(o->category, "."))
        return fprintf(stderr, "make_synthetic_mvtec: --category '%s' is not a folder name\n", o->category), -1;
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return fprintf(stderr, "make_synthetic_mvtec: path too long: %s\n", path), -1;
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != 0) continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return fprintf(stderr, "make_synthetic_mvtec: cannot create '%s': %s\n", buf, strerror(errno)), -1;
        *p = c;
        if (!c) return 0;
    }
}

static int write_png(const char *path, const nb_image *img) {
    if (nb_png_write(path, img) == 0) return 0;
    fprintf(stderr, "make_synthetic_mvtec: %s\n", nb_error() ? nb_error() : path);
    return -1;
}

/* count images of one folder: normal (kind < 0), or with a defect of the kind
 * and its masks in ground_truth/. */
static int write_split(const options *o, const nb_texture *t, const char *sub, int split, int kind, long count) {
    char dir[4096], gt[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/%s/%s", o->out, o->category, sub);
    if (kind >= 0) snprintf(gt, sizeof gt, "%s/%s/ground_truth/%s", o->out, o->category, nb_defect_kind_name(kind));
    if (count > 0 && (make_dirs(dir) || (kind >= 0 && make_dirs(gt)))) return -1;
    int size = (int)o->size;
    for (int i = 0; i < count; i++) {
        nb_image img, mask = {0};
        if (nb_synth_normal(t, size, size, nb_synth_seed((uint64_t)o->seed, split, i), &img))
            return fprintf(stderr, "make_synthetic_mvtec: %s\n", nb_error()), -1;
        int rc = 0;
        uint64_t shape_seed = nb_synth_seed((uint64_t)o->seed, SPLIT_SHAPE + kind, i);
        if (kind >= 0 && nb_synth_defect(&img, kind, shape_seed, &mask)) {
            fprintf(stderr, "make_synthetic_mvtec: %s\n", nb_error());
            rc = -1;
        }
        snprintf(path, sizeof path, "%s/%03d.png", dir, i);
        if (!rc) rc = write_png(path, &img);
        if (!rc && kind >= 0) {
            snprintf(path, sizeof path, "%s/%03d_mask.png", gt, i);
            rc = write_png(path, &mask);
        }
        nb_image_free(&img);
        if (mask.pixels) nb_image_free(&mask);
        if (rc) return -1;
    }
    return 0;
}

/* FNV-1a of the category name, so each category has its own texture. */
static uint64_t name_hash(const char *s) {
    uint64_t h = 14695981039346656037u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

int main(int argc, char **argv) {
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc) {
        if (rc > 0) usage(stdout);
        return rc > 0 ? 0 : 2;
    }
    nb_texture t;
    if (nb_texture_init(&t, nb_synth_seed((uint64_t)o.seed ^ name_hash(o.category), SPLIT_CATEGORY, 0),
                        (int)o.channels))
        return fprintf(stderr, "make_synthetic_mvtec: %s\n", nb_error()), 1;
    if (write_split(&o, &t, "train/good", SPLIT_TRAIN, -1, o.train) ||
        write_split(&o, &t, "test/good", SPLIT_TEST_GOOD, -1, o.test_good))
        return 1;
    for (int k = 0; k < NB_DEFECT_KINDS; k++) {
        char sub[64];
        snprintf(sub, sizeof sub, "test/%s", nb_defect_kind_name(k));
        if (write_split(&o, &t, sub, SPLIT_TEST_DEFECT + k, k, o.test_defect)) return 1;
    }
    long total = o.train + o.test_good + NB_DEFECT_KINDS * o.test_defect;
    printf("wrote %ld images of %ldx%ld (%s) and %ld masks to %s/%s\n", total, o.size, o.size,
           o.channels == 1 ? "gray" : "RGB", NB_DEFECT_KINDS * o.test_defect, o.out, o.category);
    return 0;
}
