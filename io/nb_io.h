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
/* The same decoder on a PNG held in memory; `name` is used in error messages. */
int nb_png_read_mem(const void *data, size_t size, const char *name, nb_image *img, int channels);
/* Allocates width x height x channels zeroed pixels (free with nb_image_free). 0 or -1. */
int nb_image_alloc(nb_image *img, int width, int height, int channels);

/* Image <-> tensor. Pixel p becomes p / 255 in [0, 1]; channel-planar [C,H,W]. */
nb_tensor *nb_image_to_tensor(const nb_image *img); /* in the current arena */
/* Writes the image into slot i of batch [N,C,H,W] (same C, H, W). 0 or -1. */
int nb_image_to_slot(const nb_image *img, nb_tensor *batch, int64_t i);
/* Image of t ([C,H,W], or slot i of [N,C,H,W]; i is ignored for 3 dims), C 1 or
 * 3: values in [lo, hi] map linearly to 0..255, rounded and clamped. 0 or -1. */
int nb_tensor_to_image(const nb_tensor *t, int64_t i, double lo, double hi, nb_image *img);

/* ---- IDX files (MNIST, Fashion-MNIST) ------------------------------------------- */
/* An unsigned-byte IDX array (type 0x08), e.g. images [N,28,28] or labels [N]. */
typedef struct {
    int ndim;
    int64_t dims[4];
    int64_t size; /* product of dims */
    uint8_t *data;
} nb_idx;

/* Reads an IDX file, plain or gzip-compressed. The header (magic, dims) must
 * match the file's length exactly. 0 or -1. */
int nb_idx_read(const char *path, nb_idx *out);
/* Parses an uncompressed IDX file held in memory. */
int nb_idx_read_mem(const void *data, size_t size, const char *name, nb_idx *out);
void nb_idx_free(nb_idx *idx);

/* ---- checkpoints: .npz archives of named tensors ------------------------------- */
/* Written to a temporary file, fsynced and renamed over path. */
int nb_npz_save(const char *path, int n, const char *const *names, nb_tensor *const *tensors);

/* One array to save: a tensor (stored '<f4' / '<f8' as nb_real) or, when tensor
 * is NULL, `ints` of the given shape (stored '<i8', e.g. a step counter). */
typedef struct {
    const char *name;
    const nb_tensor *tensor;
    const int64_t *ints;
    int ndim;
    int64_t shape[NB_MAX_DIMS];
} nb_npz_entry;
int nb_npz_write(const char *path, int n, const nb_npz_entry *entries);

/* One array read from an archive. Every dtype is converted to an nb_real
 * tensor; integer arrays also keep their exact values in `ints`. */
typedef struct {
    const char *name;   /* without the ".npy" of the member name */
    char dtype[4];      /* as stored: "<f4", "<f8", "<i8", "<i4", "|u1" */
    nb_tensor *tensor;
    const int64_t *ints; /* NULL for float arrays */
} nb_npz_array;
typedef struct {
    int n;
    nb_npz_array *arrays;
} nb_npz;

/* Reads every array of the archive; names, tensors and ints live in the current
 * arena. 0 or -1 (nothing to free either way). */
int nb_npz_load(const char *path, nb_npz *out);
int nb_npz_load_mem(const void *data, size_t size, const char *name, nb_npz *out);
const nb_npz_array *nb_npz_find(const nb_npz *z, const char *name);
/* Loads the archive into existing tensors, matched by name. Nothing is written
 * unless every name is present, no array is left over, and every shape and
 * dtype (a float one) matches; otherwise the error lists every mismatch. */
int nb_npz_load_into(const char *path, int n, const char *const *names, nb_tensor *const *tensors);

/* ---- datasets ------------------------------------------------------------------ */
/* One sample. label: 0 normal, 1 anomalous. */
typedef struct {
    const char *name;      /* file path, or a synthetic name like "fashion-mnist/test/123" */
    int label;
    const char *defect;    /* "good", a defect folder name, or a Fashion-MNIST class name */
    const char *mask_path; /* ground-truth mask file, NULL when there is none */
} nb_item;

typedef struct nb_dataset nb_dataset;

/* Fashion-MNIST one-class split from dir (holding {train,t10k}-{images-idx3,
 * labels-idx1}-ubyte[.gz]): train = the training images of normal_class (label
 * 0); test = the whole test set, normal_class labelled 0, the others 1. */
nb_dataset *nb_fashion_mnist_one_class(const char *dir, int normal_class, bool train);
#define NB_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* MVTec AD: the PNGs of root/category/train/good/ (train) or of each
 * root/category/test/<defect>/ (test; "good" is normal, the rest anomalous, with
 * masks ground_truth/<defect>/<name>_mask.png). */
nb_dataset *nb_mvtec(const char *root, const char *category, bool train);

/* A plain folder of PNGs. train: every image of train_dir, label 0. test: the
 * images of test_dir; a subfolder of test_dir names a defect type ("good" is
 * normal), and a loose file is anomalous exactly when mask_dir holds a mask for
 * it (<name>.png or <name>_mask.png, under <defect>/ for subfolders). */
nb_dataset *nb_image_folder(const char *train_dir, const char *test_dir, const char *mask_dir,
                            bool train);

int64_t nb_dataset_size(const nb_dataset *ds);
const nb_item *nb_dataset_item(const nb_dataset *ds, int64_t i);
/* Loads (or copies) item i's image with `channels` as in nb_png_read, and its
 * mask (1 channel, 0 or 255) or, for an item without one, an all-zero mask of
 * the image's size. Thread-safe: the loader calls these from its worker. */
int nb_dataset_image(const nb_dataset *ds, int64_t i, int channels, nb_image *img);
int nb_dataset_mask(const nb_dataset *ds, int64_t i, int width, int height, nb_image *mask);
void nb_dataset_free(nb_dataset *ds);

/* ---- transforms: images to float tensors [C,H,W] -------------------------------- */
/* Each makes a new tensor in the current arena (no tape node); x is [C,H,W]. */
/* Bilinear resize; when shrinking, a triangle filter whose support grows with
 * the shrink factor (antialiasing), like PIL's BILINEAR. */
nb_tensor *nb_tf_resize(const nb_tensor *x, int64_t height, int64_t width);
nb_tensor *nb_tf_center_crop(const nb_tensor *x, int64_t height, int64_t width);
nb_tensor *nb_tf_pad(const nb_tensor *x, int64_t top, int64_t bottom, int64_t left, int64_t right,
                     double value);
nb_tensor *nb_tf_hflip(const nb_tensor *x);
nb_tensor *nb_tf_grayscale(const nb_tensor *x);  /* RGB -> 1 channel, ITU-R 601 luma */
nb_tensor *nb_tf_normalize(const nb_tensor *x);  /* [0, 1] -> [-1, 1]: 2x - 1 */

/* A pipeline, applied in this order: to `channels` (1 or 3), resize to
 * resize_h x resize_w (0: keep), center crop to crop_h x crop_w (0: keep), pad by
 * `pad` on each side with zeros, flip horizontally with probability hflip_p,
 * normalize to [-1, 1] when `normalize`. Masks take the same geometric steps and
 * are thresholded back to {0, 1}. */
typedef struct {
    int channels;
    int resize_h, resize_w;
    int crop_h, crop_w;
    int pad;
    double hflip_p;
    bool normalize;
} nb_transform;

/* Image (and optional mask) through the pipeline; flip_draw in [0, 1) decides
 * the random flip (flip when flip_draw < hflip_p). *mask_out gets [1,H,W]. */
nb_tensor *nb_transform_apply(const nb_transform *tf, const nb_image *img, const nb_image *mask,
                              double flip_draw, nb_tensor **mask_out);
/* The [C,H,W] the pipeline gives for an input image of the given size. */
void nb_transform_shape(const nb_transform *tf, int in_h, int in_w, int64_t shape[3]);

/* ---- loader: batches [N,C,H,W] prefetched on a worker thread ---------------------- */
/* Batches follow a permutation of the dataset drawn from the loader's own PCG32
 * generator (seed, epoch), so the global RNG is never touched and the order is
 * the same whatever the timing. The worker prepares the next batch while the
 * caller uses the current one. */
typedef struct {
    int64_t batch_size;
    bool shuffle;
    bool drop_last;  /* skip a last batch smaller than batch_size */
    uint64_t seed;
    bool masks;      /* also produce [N,1,H,W] masks */
} nb_loader_opts;

typedef struct nb_loader nb_loader;
typedef struct {
    nb_tensor *images;   /* [N,C,H,W], in the caller's current arena */
    nb_tensor *masks;    /* [N,1,H,W] or NULL */
    int64_t *labels;     /* N, in the same arena */
    int64_t *indices;    /* dataset indices of the N items */
    int64_t n;
} nb_batch;

/* The dataset and transform are borrowed and must outlive the loader. All items
 * must give the same output shape (checked per item). NULL with nb_error() on
 * bad options. */
nb_loader *nb_loader_new(const nb_dataset *ds, const nb_transform *tf, nb_loader_opts opts);
/* Next batch of the current epoch: 1, 0 at the end of the epoch (the next call
 * starts a new epoch with a new permutation), -1 on error (a file that failed to
 * load; the message names it). */
int nb_loader_next(nb_loader *ld, nb_batch *batch);
int64_t nb_loader_batches_per_epoch(const nb_loader *ld);
void nb_loader_free(nb_loader *ld); /* stops and joins the worker */

#endif
