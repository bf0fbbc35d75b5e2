/* nb_eval.h — anomaly evaluation: image- and pixel-level detection metrics,
 * SSIM, heatmaps and image grids, a self-contained HTML report, and synthetic
 * MVTec-style data to exercise all of it. Nothing here needs the autograd.
 *
 * Conventions: a score is "higher = more anomalous"; a label is 0 (normal) or
 * 1 (anomalous, the positive class); pixel masks are nonzero where anomalous.
 * Metrics are computed in double. A failing call records a message through
 * nb_error_set and returns NAN (metrics), -1 (int results) or NULL (tensors).
 * Curves and tensors live in the current arena; nb_image pixels are malloc'ed,
 * like nb_png_read's, and released with nb_image_free. */
#ifndef NB_EVAL_H
#define NB_EVAL_H

#include <stdbool.h>
#include <stdint.h>
#include "nb_core.h"
#include "nb_io.h"

/* ---- image-level metrics (models/metrics.c) ---------------------------------- */
/* One point per distinct score, highest threshold first, after a starting point
 * at threshold +inf. A sample is predicted anomalous when score >= threshold.
 *   ROC: x = false positive rate, y = true positive rate, from (0, 0) to (1, 1).
 *   PR:  x = recall, y = precision, from (0, 1). */
typedef struct {
    int64_t n;
    double *x, *y, *threshold;
} nb_curve;

int nb_roc_curve(const double *scores, const uint8_t *labels, int64_t n, nb_curve *roc);
int nb_pr_curve(const double *scores, const uint8_t *labels, int64_t n, nb_curve *pr);
/* Area under the ROC curve by the trapezoid over distinct thresholds (as
 * sklearn's roc_auc_score): the probability that an anomalous sample scores
 * above a normal one, ties counting one half. Needs both classes. */
double nb_roc_auc(const double *scores, const uint8_t *labels, int64_t n);
/* Average precision, sklearn's average_precision_score: sum over distinct
 * thresholds of (R_k - R_{k-1}) P_k. Reported as the PR-AUC. Needs a positive. */
double nb_average_precision(const double *scores, const uint8_t *labels, int64_t n);
/* The largest F1 = 2 tp / (2 tp + fp + fn) over the distinct scores taken as
 * thresholds (the highest threshold wins a tie); *threshold receives it. */
double nb_best_f1(const double *scores, const uint8_t *labels, int64_t n, double *threshold);
/* types[i] = 0 for a normal sample, k in 1..n_types for defect type k.
 * auc[k-1] = ROC-AUC of the samples of type k against the normal ones. Every
 * type must occur, and some normal sample. */
int nb_roc_auc_per_type(const double *scores, const int *types, int64_t n, int n_types, double *auc);
/* The k samples scored most wrongly and most clearly right about a threshold:
 * margin = score - threshold for anomalous samples, threshold - score for normal
 * ones; worst[] gets the k smallest margins (ascending), best[] the k largest
 * (descending), ties by index. Either array may be NULL. Returns min(k, n). */
int64_t nb_rank_examples(const double *scores, const uint8_t *labels, int64_t n, double threshold,
                         int64_t k, int64_t *worst, int64_t *best);

/* ---- pixel-level metrics (models/pixel_metrics.c) ---------------------------- */
/* maps: n anomaly maps of h x w scores (e.g. a [n,h,w] tensor's data); masks:
 * the n ground-truth masks, nonzero = anomalous. One sort of all n h w pixels
 * (memory: one 8-byte record per pixel in float builds, 16 in double) serves
 * both numbers:
 *   roc_auc: pixel ROC-AUC over every pixel of every image;
 *   aupro:   MVTec AD's area under the per-region-overlap curve. The regions are
 *            the 8-connected components of each mask; at each threshold, PRO =
 *            mean over all regions of the fraction of the region at or above
 *            it, FPR = fraction of normal pixels at or above it. PRO is
 *            integrated over FPR in [0, max_fpr] (linear interpolation at
 *            max_fpr) and divided by max_fpr (MVTec uses 0.3). */
typedef struct {
    double roc_auc, aupro;
    double max_fpr;    /* the limit aupro was integrated to */
    int64_t n_regions; /* ground-truth regions over all images */
} nb_pixel_metrics;

int nb_pixel_metrics_compute(const nb_real *maps, const uint8_t *masks, int64_t n, int h, int w,
                             double max_fpr, nb_pixel_metrics *out);

/* ---- SSIM (models/ssim.c) ----------------------------------------------------- */
/* Structural similarity (Wang et al. 2004) of two [C,H,W] (or [H,W]) images:
 * local statistics under an 11x11 Gaussian window of sigma 1.5, mirrored at the
 * borders so the map keeps the image size,
 *   SSIM = (2 mx my + C1)(2 sxy + C2) / ((mx^2 + my^2 + C1)(sx^2 + sy^2 + C2)),
 * C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = data_range (2 for images in [-1, 1]).
 * nb_ssim_map gives the [H,W] map averaged over channels; nb_ssim its mean. */
nb_tensor *nb_ssim_map(nb_tensor *x, nb_tensor *y, double data_range);
double nb_ssim(nb_tensor *x, nb_tensor *y, double data_range);

/* ---- heatmaps and grids (models/heatmap.c) ------------------------------------ */
/* A perceptual black-purple-red-orange-yellow colormap ("inferno"-like): t in
 * [0, 1] (clamped) to RGB, luminance increasing with t. */
void nb_colormap(double t, uint8_t rgb[3]);
/* An 8-bit image of a [C,H,W] or [H,W] tensor (C = 1 or 3), [lo, hi] -> [0, 255]. */
int nb_image_from_tensor(nb_tensor *t, double lo, double hi, nb_image *out);
/* The colormapped residual ([H,W] or [1,H,W]), (r - vmin) / (vmax - vmin),
 * alpha-blended over base (converted to RGB): out = (1 - alpha) base + alpha
 * color. vmax <= vmin scales by the residual's own min and max. */
int nb_heatmap_overlay(const nb_image *base, nb_tensor *residual, double vmin, double vmax, double alpha,
                       nb_image *out);
/* rows x cols cells (row-major, all of one size; gray ones become RGB) on a
 * white background with pad pixels around and between them. */
int nb_image_grid(const nb_image *cells, int rows, int cols, int pad, nb_image *out);
/* One row per image: input | reconstruction | colormapped mean_c |x - x_hat|,
 * for [C,H,W] images in [-1, 1]. The difference is scaled to [0, vmax]; vmax
 * <= 0 takes the largest difference of all rows, so rows compare. */
int nb_comparison_grid(int n, nb_tensor *const *inputs, nb_tensor *const *recons, double vmax,
                       nb_image *out);

/* ---- HTML report (models/report.c) -------------------------------------------- */
typedef struct {
    const char *key, *value;
} nb_report_item;

/* A training curve: one value per logged step. Series naming the same chart
 * share one plot; chart NULL plots the series alone under its own name. */
typedef struct {
    const char *chart, *name;
    const double *values;
    const double *steps; /* x values; NULL: 0, 1, 2, ... */
    int64_t n;
} nb_report_series;

/* A test image shown in the worst / best galleries. */
typedef struct {
    const char *caption;     /* e.g. its path in the dataset */
    double score;
    int label;               /* 0 normal, 1 anomalous */
    const char *grid_png;    /* input | reconstruction | difference, or NULL */
    const char *heatmap_png; /* the residual overlaid on the input, or NULL */
} nb_report_example;

/* Everything the page shows; the caller fills what it has (zero = absent). The
 * image metrics, curves and histograms are computed from scores and labels. */
typedef struct {
    const char *title, *subtitle;
    const nb_report_item *info; /* settings, timings: shown under the title */
    int n_info;
    const double *scores;       /* one per test image */
    const uint8_t *labels;
    int64_t n;
    const int *defect_type;     /* NULL, or 0 normal / k for defect_names[k-1] */
    const char *const *defect_names;
    int n_defect_types;
    bool has_pixel_metrics;
    nb_pixel_metrics pixel;
    const nb_report_example *worst, *best;
    int n_worst, n_best;
    const nb_report_series *losses;
    int n_losses;
} nb_report;

/* Writes one HTML file that opens offline: inline CSS and SVG, images embedded
 * as data: URIs. Written to path.tmp and renamed over path. 0 or -1. */
int nb_report_write(const char *path, const nb_report *r);

/* ---- synthetic MVTec-style data (models/synthetic.c) -------------------------- */
/* A category's texture: a seeded sum of oriented sinusoidal stripes over a base
 * color, plus fine noise. Each normal image draws new phases, a slight jitter
 * of angle and frequency and new noise, so images of a category differ but
 * share their statistics. Frequencies are in cycles per image, so a category
 * looks alike at every size. */
#define NB_TEXTURE_WAVES 3
typedef struct {
    int channels;
    double base[3], noise;
    double angle[NB_TEXTURE_WAVES], cycles[NB_TEXTURE_WAVES], amp[NB_TEXTURE_WAVES];
    double tint[NB_TEXTURE_WAVES][3];
} nb_texture;

typedef enum { NB_DEFECT_SCRATCH, NB_DEFECT_SPOT, NB_DEFECT_CRACK, NB_DEFECT_KINDS } nb_defect_kind;

const char *nb_defect_kind_name(nb_defect_kind k); /* "scratch", "spot", "crack" */
int nb_texture_init(nb_texture *t, uint64_t category_seed, int channels); /* channels 1 or 3 */
int nb_synth_normal(const nb_texture *t, int width, int height, uint64_t image_seed, nb_image *out);
/* Draws a defect into img in place, touching only the pixels of the returned
 * mask (1 channel, 255 on the defect, 0 elsewhere; never empty):
 *   scratch: a thin bright straight line; spot: a dark irregular blob;
 *   crack: a dark wandering random walk (each in the opposite shade where
 *   the texture under it is already close to that shade). */
int nb_synth_defect(nb_image *img, nb_defect_kind kind, uint64_t seed, nb_image *mask);
/* An image's seed from the run's seed, its split (train, test, ...) and index:
 * independent streams, so an image does not depend on how many are made. */
uint64_t nb_synth_seed(uint64_t seed, int split, int index);

#endif
