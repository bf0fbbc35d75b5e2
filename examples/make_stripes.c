/* make_stripes — writes a small anomaly-detection data set of gray PNGs in
 * plain folders, for trying the fanogan tool and for its tests:
 *   OUT/train/NNN.png           normal: horizontal stripes
 *   OUT/test/good/NNN.png       normal: horizontal stripes
 *   OUT/test/vertical/NNN.png   anomalous: the same stripes, vertical
 * Each image draws its own period (5 to 8 pixels), phase and noise, so normal
 * and anomalous images have the same pixel statistics: only the orientation
 * tells them apart, which a model must learn from the normal images.
 * Use: make_stripes OUT [SIZE [N_TRAIN [N_TEST [SEED]]]] (32 128 24 1);
 * then fanogan run --data folder:OUT/train,OUT/test. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "nb_io.h"

static int make_dir(const char *path) {
    if (mkdir(path, 0777) && errno != EEXIST) {
        fprintf(stderr, "make_stripes: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* 128 + 90 sin(2 pi t / period + phase) + N(0, 6), t the row (or column) */
static void draw(nb_image *img, int vertical) {
    double period = 5 + 3 * nb_rand_uniform(), phase = 2 * M_PI * nb_rand_uniform();
    for (int r = 0; r < img->height; r++)
        for (int c = 0; c < img->width; c++) {
            double v = 128 + 90 * sin(2 * M_PI * (vertical ? c : r) / period + phase) + 6 * nb_rand_normal();
            img->pixels[r * img->width + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
        }
}

static int write_set(const char *out, const char *sub, int size, int count, int vertical) {
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/%s", out, sub);
    if (make_dir(dir)) return -1;
    nb_image img;
    if (nb_image_alloc(&img, size, size, 1)) return fprintf(stderr, "make_stripes: %s\n", nb_error()), -1;
    int rc = 0;
    for (int i = 0; i < count && !rc; i++) {
        draw(&img, vertical);
        snprintf(path, sizeof path, "%s/%03d.png", dir, i);
        if ((rc = nb_png_write(path, &img))) fprintf(stderr, "make_stripes: %s\n", nb_error());
    }
    nb_image_free(&img);
    return rc;
}

int main(int argc, char **argv) {
    int v[4] = {32, 128, 24, 1}; /* size, training images, test images of each kind, seed */
    for (int k = 0; k < 4 && k + 2 < argc; k++) v[k] = atoi(argv[k + 2]);
    if (argc < 2 || argc > 6 || v[0] < 4 || v[0] > 4096 || v[1] < 0 || v[2] < 0 || v[3] < 0) {
        fprintf(stderr, "usage: make_stripes OUT [SIZE [N_TRAIN [N_TEST [SEED]]]]\n");
        return 2;
    }
    nb_seed((uint64_t)v[3]);
    char test[4096];
    snprintf(test, sizeof test, "%s/test", argv[1]);
    if (make_dir(argv[1]) || make_dir(test) || write_set(argv[1], "train", v[0], v[1], 0) ||
        write_set(argv[1], "test/good", v[0], v[2], 0) || write_set(argv[1], "test/vertical", v[0], v[2], 1))
        return 1;
    printf("wrote %d training and %d + %d test images of %dx%d to %s\n", v[1], v[2], v[2], v[0], v[0], argv[1]);
    return 0;
}
