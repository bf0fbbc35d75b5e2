/* pixel_metrics.c — pixel-level localization metrics over a whole test set:
 * pixel ROC-AUC and MVTec AD's AUPRO (area under the per-region-overlap curve
 * up to a false positive rate limit, Bergmann et al. 2021).
 *
 * Each pixel becomes one record (score, region id: 0 normal, k >= 1 the k-th
 * 8-connected ground-truth region over all images). One sort by descending
 * score, then one sweep that lowers the threshold run of ties by run of ties:
 *   ROC:  tp, fp counts; area by the trapezoid, as for the image-level AUC;
 *   PRO:  every pixel of region k adds 1 / (R area_k), so the running sum is
 *         the mean over the R regions of the fraction covered; FPR = fp / #normal.
 * The curves are integrated on the fly, so memory is the records alone. */
#include <math.h>
#include <stdlib.h>
#include "nb_eval.h"

typedef struct {
    nb_real score;
    int32_t region;
} pixel;

typedef struct {
    int64_t *area; /* area[k - 1] of region k */
    int64_t n, cap;
} region_list;

static int by_pixel_score_desc(const void *pa, const void *pb) {
    nb_real a = ((const pixel *)pa)->score, b = ((const pixel *)pb)->score;
    return (a < b) - (a > b);
}

static int region_add(region_list *r) {
    if (r->n == INT32_MAX) return -1;
    if (r->n == r->cap) {
        int64_t cap = r->cap ? 2 * r->cap : 64;
        int64_t *a = realloc(r->area, (size_t)cap * sizeof *a);
        if (!a) return -1;
        r->area = a;
        r->cap = cap;
    }
    r->area[r->n++] = 0;
    return 0;
}

/* Flood-fills the 8-connected components of one image's mask. px[].region is
 * -1 on unvisited anomalous pixels on entry; stack holds h w indices. */
static int label_components(int h, int w, pixel *px, int32_t *stack, region_list *regions) {
    for (int64_t start = 0; start < (int64_t)h * w; start++) {
        if (px[start].region != -1) continue;
        if (region_add(regions)) return -1;
        int32_t id = (int32_t)regions->n;
        int64_t top = 0;
        px[start].region = id;
        stack[top++] = (int32_t)start;
        while (top > 0) {
            int32_t p = stack[--top];
            int y = p / w, x = p % w;
            regions->area[id - 1]++;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                    int32_t q = yy * w + xx;
                    if (px[q].region == -1) px[q].region = id, stack[top++] = q;
                }
        }
    }
    return 0;
}

/* Fills the records of every image; counts the normal pixels. */
static int make_records(const nb_real *maps, const uint8_t *masks, int64_t n, int h, int w, pixel *px,
                        region_list *regions, int64_t *n_normal) {
    int64_t hw = (int64_t)h * w;
    int32_t *stack = malloc((size_t)hw * sizeof *stack);
    if (!stack) return nb_error_set("pixel_metrics: out of memory"), -1;
    *n_normal = 0;
    for (int64_t i = 0; i < n * hw; i++) {
        if (isnan(maps[i])) {
            free(stack);
            return nb_error_set("pixel_metrics: anomaly map %lld has NaN at (y %lld, x %lld)",
                                (long long)(i / hw), (long long)(i % hw / w), (long long)(i % w)), -1;
        }
        px[i].score = maps[i];
        px[i].region = masks[i] ? -1 : 0;
        *n_normal += !masks[i];
    }
    int rc = 0;
    for (int64_t img = 0; img < n && !rc; img++) rc = label_components(h, w, px + img * hw, stack, regions);
    free(stack);
    if (rc) nb_error_set("pixel_metrics: out of memory labelling regions");
    return rc;
}

typedef struct {
    double max_fpr;
    int64_t tp, fp, pos, neg; /* counts at the current threshold */
    double pro;               /* running mean region overlap */
    int64_t tp0, fp0;         /* at the previous threshold */
    double pro0;
    double roc_area, pro_area;
} sweep_state;

/* Closes a run of ties: adds the trapezoids from the previous point. */
static void sweep_point(sweep_state *s) {
    s->roc_area += (double)(s->fp - s->fp0) * (double)(s->tp + s->tp0);
    double f0 = (double)s->fp0 / (double)s->neg, f1 = (double)s->fp / (double)s->neg;
    if (f0 < s->max_fpr && f1 > f0) {
        double f = f1, p = s->pro;
        if (f1 > s->max_fpr) { /* stop at max_fpr, PRO linear in between */
            f = s->max_fpr;
            p = s->pro0 + (s->pro - s->pro0) * (f - f0) / (f1 - f0);
        }
        s->pro_area += (f - f0) * (p + s->pro0) / 2;
    }
    s->tp0 = s->tp;
    s->fp0 = s->fp;
    s->pro0 = s->pro;
}

static void sweep(const pixel *px, int64_t total, const region_list *regions, sweep_state *s) {
    double r = (double)regions->n;
    for (int64_t i = 0; i < total; i++) {
        if (px[i].region == 0) {
            s->fp++;
        } else {
            s->tp++;
            s->pro += 1.0 / (r * (double)regions->area[px[i].region - 1]);
        }
        if (i + 1 == total || px[i + 1].score != px[i].score) sweep_point(s);
    }
}

int nb_pixel_metrics_compute(const nb_real *maps, const uint8_t *masks, int64_t n, int h, int w,
                             double max_fpr, nb_pixel_metrics *out) {
    const char *fn = "pixel_metrics";
    if (!maps || !masks || !out) return nb_error_set("%s: maps, masks or out is NULL", fn), -1;
    if (n <= 0 || h <= 0 || w <= 0)
        return nb_error_set("%s: bad size: %lld maps of %d x %d", fn, (long long)n, h, w), -1;
    if ((int64_t)h * w > INT32_MAX) /* pixel indices of one image are int32 */
        return nb_error_set("%s: maps of %d x %d are too large", fn, h, w), -1;
    if (!(max_fpr > 0 && max_fpr <= 1))
        return nb_error_set("%s: max_fpr = %g is not in (0, 1]", fn, max_fpr), -1;
    int64_t total = n * h * w;
    pixel *px = malloc((size_t)total * sizeof *px);
    if (!px) return nb_error_set("%s: out of memory for %lld pixels", fn, (long long)total), -1;
    region_list regions = {0};
    sweep_state s = {.max_fpr = max_fpr};
    int rc = make_records(maps, masks, n, h, w, px, &regions, &s.neg);
    s.pos = total - s.neg;
    if (!rc && s.pos == 0) {
        rc = -1;
        nb_error_set("%s: all %lld mask pixels are 0 (normal); it needs anomalous pixels too", fn,
                     (long long)total);
    } else if (!rc && s.neg == 0) {
        rc = -1;
        nb_error_set("%s: all %lld mask pixels are anomalous; it needs normal pixels too", fn,
                     (long long)total);
    }
    if (!rc) {
        qsort(px, (size_t)total, sizeof *px, by_pixel_score_desc);
        sweep(px, total, &regions, &s);
        out->roc_auc = s.roc_area / (2.0 * (double)s.pos * (double)s.neg);
        out->aupro = s.pro_area / max_fpr;
        out->max_fpr = max_fpr;
        out->n_regions = regions.n;
    }
    free(regions.area);
    free(px);
    return rc;
}
