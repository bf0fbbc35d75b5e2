/* score.c — `fanogan score`: every test image through the trained model
 * (nb_fanogan_score, networks in eval mode, so an image's scores do not depend
 * on its batch), then OUT/score.csv and OUT/metrics.json: image ROC-AUC and
 * PR-AUC of anomaly_score, the F1-best threshold, per-defect AUCs, and when the
 * data has ground-truth masks the pixel ROC-AUC and AUPRO of the residual maps
 * |x - G(E(x))|. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

/* The heatmap scale: this quantile of the residual pixels of normal test images
 * is drawn at full color, so normal variation stays dark. */
#define VMAX_QUANTILE 0.995
#define HIST_BINS 4096
#define HIST_MAX 2.0 /* residuals of images in [-1, 1] are at most 2 */

typedef struct {
    fg_scores s;
    nb_real *maps;  /* [n,H,W] residuals, when there are masks */
    uint8_t *masks; /* [n,H,W] */
    int64_t hist[HIST_BINS];
    int64_t hist_n;
} score_run;

/* Copies the scores (and maps) of a batch of k images into rows row.. of the run. */
static int collect(score_run *r, const nb_dataset *ds, const int64_t *idx, int64_t row, int64_t k,
                   const nb_fanogan_scores *sc, const nb_tensor *masks) {
    int64_t hw = sc->residual->numel / k;
    for (int64_t j = 0; j < k; j++) {
        int64_t i = row + j;
        const nb_item *it = nb_dataset_item(ds, idx[i]);
        if (!(r->s.path[i] = strdup(it->name)) || !(r->s.defect[i] = strdup(it->defect ? it->defect : "")))
            return nb_error_set("scores: out of memory"), -1;
        r->s.label[i] = (uint8_t)(it->label != 0);
        r->s.img_distance[i] = sc->img_distance->data[j];
        r->s.anomaly_score[i] = sc->anomaly_score->data[j];
        r->s.z_distance[i] = sc->z_distance->data[j];
        const nb_real *res = sc->residual->data + j * hw;
        if (r->maps) {
            memcpy(r->maps + i * hw, res, (size_t)hw * sizeof *res);
            for (int64_t q = 0; q < hw; q++) r->masks[i * hw + q] = masks->data[j * hw + q] > (nb_real)0.5;
        }
        if (r->s.label[i]) continue;
        for (int64_t q = 0; q < hw; q++) {
            double v = res[q] / HIST_MAX * HIST_BINS;
            r->hist[v >= HIST_BINS ? HIST_BINS - 1 : v > 0 ? (int)v : 0]++;
        }
        r->hist_n += hw;
    }
    return 0;
}

static double hist_quantile(const score_run *r, double q) {
    if (!r->hist_n) return 0;
    int64_t want = (int64_t)(q * (double)r->hist_n), seen = 0;
    for (int b = 0; b < HIST_BINS; b++)
        if ((seen += r->hist[b]) > want) return (b + 1) * HIST_MAX / HIST_BINS;
    return HIST_MAX;
}

/* The test images idx[0..n) through the model in batches. Each image goes
 * through fg_load_into, as predict sends its files. */
static int score_all(const fg_options *o, nb_fanogan *m, const nb_dataset *ds, const nb_transform *tf,
                     const int64_t *idx, score_run *r) {
    const nb_fanogan_config *c = &m->cfg;
    nb_arena *step = nb_arena_new(), *prev = nb_arena_use(step);
    fg_progress p;
    fg_progress_start(&p, "score", r->s.n, 0);
    int rc = 0;
    for (int64_t row = 0; !rc && row < r->s.n; row += o->batch) {
        int64_t k = r->s.n - row < o->batch ? r->s.n - row : o->batch;
        nb_arena_reset(step);
        nb_tensor *x = nb_tensor_new(NB_SHAPE(k, c->channels, c->image_size, c->image_size));
        nb_tensor *masks = r->maps ? nb_tensor_new(NB_SHAPE(k, 1, c->image_size, c->image_size)) : NULL;
        for (int64_t j = 0; x && j < k && !rc; j++) rc = fg_load_into(ds, idx[row + j], NULL, tf, x, j, masks);
        nb_fanogan_scores sc;
        if (!x || rc || fg_score_images(m, o, x, &sc) || collect(r, ds, idx, row, k, &sc, masks)) rc = -1;
        fg_progress_update(&p, row + k, NULL);
    }
    fg_progress_end(&p, NULL);
    nb_arena_use(prev);
    nb_arena_free(step);
    return rc;
}

static void print_summary(const fg_metrics *mt, const char *out) {
    if (isnan(mt->roc_auc)) {
        printf("scored %lld images (%lld anomalous): no ROC-AUC without both normal and anomalous images\n",
               (long long)mt->n, (long long)mt->n_anomalous);
    } else {
        printf("image ROC-AUC %.4f  PR-AUC %.4f  best F1 %.4f at anomaly_score >= %.6g\n", mt->roc_auc,
               mt->pr_auc, mt->f1, mt->threshold);
        printf("ROC-AUC of img_distance alone %.4f, of z_distance alone %.4f\n", mt->roc_auc_img, mt->roc_auc_z);
    }
    if (mt->has_pixel) printf("pixel ROC-AUC %.4f  AUPRO %.4f\n", mt->pixel.roc_auc, mt->pixel.aupro);
    printf("scores: %s/score.csv  metrics: %s/metrics.json\n", out, out);
}

static int finish(const fg_options *o, score_run *r, int side) {
    fg_metrics mt;
    char path[4200];
    if (fg_path(path, sizeof path, "%s/score.csv", o->out) || fg_scores_write(path, &r->s) ||
        fg_metrics_compute(&r->s, &mt))
        return -1;
    mt.heatmap_vmax = hist_quantile(r, VMAX_QUANTILE);
    int rc = 0;
    if (r->maps) {
        mt.has_pixel = true;
        rc = nb_pixel_metrics_compute(r->maps, r->masks, r->s.n, side, side, 0.3, &mt.pixel);
        if (rc && !nb_error()) nb_error_set("pixel metrics failed");
    }
    if (!rc) rc = fg_path(path, sizeof path, "%s/metrics.json", o->out) || fg_metrics_write(path, &mt, o) ? -1 : 0;
    if (!rc) print_summary(&mt, o->out);
    fg_metrics_free(&mt);
    return rc;
}

/* The test images to score: all, or --max-test of them evenly spread (the
 * test sets are ordered by class or defect folder). */
static int64_t *test_indices(const fg_options *o, int64_t n, int64_t *count) {
    int64_t k = o->max_test && o->max_test < n ? o->max_test : n;
    int64_t *idx = malloc((size_t)(k ? k : 1) * sizeof *idx);
    if (!idx) return nb_error_set("out of memory");
    for (int64_t i = 0; i < k; i++) idx[i] = i * n / k;
    *count = k;
    return idx;
}

int fg_score(const fg_options *o) {
    fg_data d;
    if (fg_data_parse(o->data, &d)) return -1;
    nb_fanogan *m = fg_load_trained(o);
    nb_dataset *ds = m ? fg_data_open(&d, false) : NULL;
    score_run *r = ds ? calloc(1, sizeof *r) : NULL;
    int64_t n = ds ? nb_dataset_size(ds) : 0, hw = m ? (int64_t)m->cfg.image_size * m->cfg.image_size : 0;
    int64_t *idx = r && n ? test_indices(o, n, &n) : NULL;
    int rc = idx ? fg_scores_alloc(&r->s, n) : -1;
    if (ds && !r) nb_error_set("out of memory");
    if (r && !n) nb_error_set("the test set of --data %s is empty", o->data);
    if (!rc && fg_data_has_masks(ds)) {
        r->maps = malloc((size_t)(n * hw) * sizeof *r->maps);
        r->masks = malloc((size_t)(n * hw));
        if (!r->maps || !r->masks) rc = -1, nb_error_set("residual maps of %lld images: out of memory", (long long)n);
    }
    if (!rc) {
        nb_transform tf = fg_data_transform(&d, &m->cfg);
        fprintf(stderr, "fanogan: scoring %lld of %lld test images%s\n", (long long)n,
                (long long)nb_dataset_size(ds), r->maps ? " (with masks)" : "");
        rc = score_all(o, m, ds, &tf, idx, r) || finish(o, r, m->cfg.image_size) ? -1 : 0;
    }
    if (r) {
        fg_scores_free(&r->s);
        free(r->maps);
        free(r->masks);
        free(r);
    }
    free(idx);
    if (ds) nb_dataset_free(ds);
    if (m) nb_fanogan_free(m);
    return rc;
}
