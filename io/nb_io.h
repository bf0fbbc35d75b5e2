/* nb_io.h — files in and out: PNG images (libpng), IDX (MNIST / Fashion-MNIST,
 * plain or gzip), NumPy .npz checkpoints of named tensors (zlib), datasets,
 * transforms and a prefetching loader. Every reader reports a truncated or
 * corrupt file through nb_error() naming the file and what is wrong. */
#ifndef NB_IO_H
#define NB_IO_H

#include <stdint.h>
#include "nb_core.h"

/* ---- images ------------------------------------------------------------------ */
/* An 8-bit image, rows of width * channels interleaved samples (1 gray, 3 RGB). */
typedef struct {
    int width, height, channels;
    uint8_t *pixels;
} nb_image;

/* Reads any PNG (gray, gray+alpha, RGB, RGBA, palette; 1-16 bit) converted to
 * `channels` (1 or 3; 0 keeps gray as 1 and everything else as 3). 0 or -1. */
int nb_png_read(const char *path, nb_image *img, int channels);
int nb_png_write(const char *path, const nb_image *img); /* atomic: temp file + rename */
void nb_image_free(nb_image *img);

/* ---- checkpoints: .npz archives of named tensors ------------------------------- */
/* Written to a temporary file, fsynced and renamed over path. */
int nb_npz_save(const char *path, int n, const char *const *names, nb_tensor *const *tensors);

#endif
