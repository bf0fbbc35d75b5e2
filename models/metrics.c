/* metrics.c — image-level detection metrics from one score and one 0/1 label
 * per image: ROC and PR curves, ROC-AUC, average precision, the best F1, ROC-AUC
 * per defect type, and the ranking of examples for a report.
 *
 * Every metric walks the same sweep (sklearn's _binary_clf_curve): the samples
 * sorted by descending score, with cumulative true and false positive counts
 * taken at the end of each run of equal scores. Tied samples thus enter
 * together as one point, so no metric depends on the order of tied samples. */
#include <math.h>
#include <stdlib.h>
#include "nb_eval.h"
#include "nb_internal.h"

typedef struct {
    double score;
    int64_t index;
    uint8_t label;
} scored;

/* Cumulative counts at each distinct threshold, highest first. */
typedef struct {
    int64_t n;
    double *thr;
    int64_t *tp, *fp;
    int64_t pos, neg;
} sweep;

static int by_score_desc(const void *pa, const void *pb) {
    double a = ((const scored *)pa)->score, b = ((const scored *)pb)->score;
    return (a < b) - (a > b);
}

static int check_inputs(const char *fn, const double *scores, const uint8_t *labels, int64_t n) {
    if (!scores || !labels) return nb_error_set("%s: scores or labels is NULL", fn), -1;
    if (n <= 0) return nb_error_set("%s: no samples (n = %lld)", fn, (long long)n), -1;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] > 1)
            return nb_error_set("%s: label %d at index %lld is not 0 (normal) or 1 (anomalous)", fn,
                                labels[i], (long long)i), -1;
        if (isnan(scores[i])) return nb_error_set("%s: score at index %lld is NaN", fn, (long long)i), -1;
    }
    return 0;
}

static void sweep_free(sweep *s) { free(s->thr); }

static int sweep_build(const char *fn, const double *scores, const uint8_t *labels, int64_t n, sweep *s) {
    if (check_inputs(fn, scores, labels, n)) return -1;
    scored *v = malloc((size_t)n * sizeof *v);
    /* one block for the three per-threshold arrays */
    char *block = malloc((size_t)n * (sizeof(double) + 2 * sizeof(int64_t)));
    if (!v || !block) {
        free(v);
        free(block);
        return nb_error_set("%s: out of memory for %lld samples", fn, (long long)n), -1;
    }
    for (int64_t i = 0; i < n; i++) v[i] = (scored){scores[i], i, labels[i]};
    qsort(v, (size_t)n, sizeof *v, by_score_desc);
    s->thr = (double *)block;
    s->tp = (int64_t *)(block + (size_t)n * sizeof(double));
    s->fp = s->tp + n;
    s->n = 0;
    int64_t tp = 0, fp = 0;
    for (int64_t i = 0; i < n; i++) {
        tp += v[i].label;
        fp += 1 - v[i].label;
        if (i + 1 < n && v[i + 1].score == v[i].score) continue; /* end of a run of ties only */
        s->thr[s->n] = v[i].score;
        s->tp[s->n] = tp;
        s->fp[s->n] = fp;
        s->n++;
    }
    s->pos = tp;
    s->neg = fp;
    free(v);
    return 0;
}

/* Records why a metric is undefined when a class is missing, and frees s. */
static int need_classes(const char *fn, sweep *s, bool need_normal) {
    long long n = (long long)(s->pos + s->neg);
    if (s->pos == 0)
        nb_error_set("%s: all %lld labels are 0 (normal); it needs anomalous samples too", fn, n);
    else if (need_normal && s->neg == 0)
        nb_error_set("%s: all %lld labels are 1 (anomalous); it needs normal samples too", fn, n);
    else
        return 0;
    sweep_free(s);
    return -1;
}

static int curve_alloc(nb_curve *c, int64_t n) {
    double *mem = nb_arena_alloc(NULL, 3 * (size_t)n * sizeof(double));
    if (!mem) return -1;
    *c = (nb_curve){n, mem, mem + n, mem + 2 * n};
    return 0;
}

int nb_roc_curve(const double *scores, const uint8_t *labels, int64_t n, nb_curve *roc) {
    sweep s;
    if (sweep_build("roc_curve", scores, labels, n, &s) || need_classes("roc_curve", &s, true)) return -1;
    int rc = curve_alloc(roc, s.n + 1);
    if (!rc) {
        roc->x[0] = roc->y[0] = 0;
        roc->threshold[0] = INFINITY;
        for (int64_t i = 0; i < s.n; i++) {
            roc->x[i + 1] = (double)s.fp[i] / (double)s.neg;
            roc->y[i + 1] = (double)s.tp[i] / (double)s.pos;
            roc->threshold[i + 1] = s.thr[i];
        }
    }
    sweep_free(&s);
    return rc;
}

int nb_pr_curve(const double *scores, const uint8_t *labels, int64_t n, nb_curve *pr) {
    sweep s;
    if (sweep_build("pr_curve", scores, labels, n, &s) || need_classes("pr_curve", &s, false)) return -1;
    int rc = curve_alloc(pr, s.n + 1);
    if (!rc) {
        pr->x[0] = 0;
        pr->y[0] = 1;
        pr->threshold[0] = INFINITY;
        for (int64_t i = 0; i < s.n; i++) { /* every run holds a sample: tp + fp >= 1 */
            pr->x[i + 1] = (double)s.tp[i] / (double)s.pos;
            pr->y[i + 1] = (double)s.tp[i] / (double)(s.tp[i] + s.fp[i]);
            pr->threshold[i + 1] = s.thr[i];
        }
    }
    sweep_free(&s);
    return rc;
}

/* AUC = sum over steps of d(fp) (tp + tp_prev) / 2, over pos * neg: the
 * trapezoid, in which a run of ties with both labels is a diagonal segment and
 * so counts each tied pair one half (the Mann-Whitney statistic). */
double nb_roc_auc(const double *scores, const uint8_t *labels, int64_t n) {
    sweep s;
    if (sweep_build("roc_auc", scores, labels, n, &s) || need_classes("roc_auc", &s, true)) return NAN;
    double area = 0;
    int64_t tp0 = 0, fp0 = 0;
    for (int64_t i = 0; i < s.n; i++) {
        area += (double)(s.fp[i] - fp0) * (double)(s.tp[i] + tp0);
        tp0 = s.tp[i];
        fp0 = s.fp[i];
    }
    double auc = area / (2.0 * (double)s.pos * (double)s.neg);
    sweep_free(&s);
    return auc;
}

/* AP = sum_k (R_k - R_{k-1}) P_k with R_k = tp_k / pos, P_k = tp_k / (tp_k + fp_k):
 * the step (not trapezoid) integral of precision over recall. */
double nb_average_precision(const double *scores, const uint8_t *labels, int64_t n) {
    sweep s;
    if (sweep_build("average_precision", scores, labels, n, &s) ||
        need_classes("average_precision", &s, false))
        return NAN;
    double ap = 0;
    int64_t tp0 = 0;
    for (int64_t i = 0; i < s.n; i++) {
        ap += (double)(s.tp[i] - tp0) / (double)s.pos * (double)s.tp[i] / (double)(s.tp[i] + s.fp[i]);
        tp0 = s.tp[i];
    }
    sweep_free(&s);
    return ap;
}

/* With fn = pos - tp: F1 = 2 tp / (2 tp + fp + fn) = 2 tp / (tp + fp + pos). */
double nb_best_f1(const double *scores, const uint8_t *labels, int64_t n, double *threshold) {
    sweep s;
    if (sweep_build("best_f1", scores, labels, n, &s) || need_classes("best_f1", &s, false)) return NAN;
    double best = -1, thr = NAN;
    for (int64_t i = 0; i < s.n; i++) {
        double f1 = 2.0 * (double)s.tp[i] / (double)(s.tp[i] + s.fp[i] + s.pos);
        if (f1 > best) best = f1, thr = s.thr[i];
    }
    if (threshold) *threshold = thr;
    sweep_free(&s);
    return best;
}

int nb_roc_auc_per_type(const double *scores, const int *types, int64_t n, int n_types, double *auc) {
    const char *fn = "roc_auc_per_type";
    if (!scores || !types || !auc) return nb_error_set("%s: scores, types or auc is NULL", fn), -1;
    if (n <= 0 || n_types <= 0)
        return nb_error_set("%s: n = %lld samples, %d types", fn, (long long)n, n_types), -1;
    int64_t n_normal = 0;
    for (int64_t i = 0; i < n; i++) {
        if (types[i] < 0 || types[i] > n_types)
            return nb_error_set("%s: type %d at index %lld is not in 0..%d", fn, types[i], (long long)i,
                                n_types), -1;
        n_normal += types[i] == 0;
    }
    if (n_normal == 0) return nb_error_set("%s: no normal samples (type 0) to compare with", fn), -1;
    double *sub = malloc((size_t)n * sizeof *sub);
    uint8_t *lab = malloc((size_t)n);
    int rc = sub && lab ? 0 : -1;
    if (rc) nb_error_set("%s: out of memory", fn);
    for (int k = 1; k <= n_types && !rc; k++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (types[i] == 0 || types[i] == k) sub[m] = scores[i], lab[m++] = types[i] == k;
        if (m == n_normal) {
            rc = -1;
            nb_error_set("%s: defect type %d has no samples", fn, k);
            break;
        }
        auc[k - 1] = nb_roc_auc(sub, lab, m);
        if (isnan(auc[k - 1])) rc = -1;
    }
    free(sub);
    free(lab);
    return rc;
}

static int by_score_asc_then_index(const void *pa, const void *pb) {
    const scored *a = pa, *b = pb;
    if (a->score != b->score) return (a->score > b->score) - (a->score < b->score);
    return (a->index > b->index) - (a->index < b->index);
}

/* Sorts (sign * margin, index) ascending and writes the first k indices. */
static void smallest_margins(scored *v, const double *scores, const uint8_t *labels, int64_t n,
                             double threshold, double sign, int64_t k, int64_t *out) {
    for (int64_t i = 0; i < n; i++) {
        double margin = labels[i] ? scores[i] - threshold : threshold - scores[i];
        v[i] = (scored){sign * margin, i, labels[i]};
    }
    qsort(v, (size_t)n, sizeof *v, by_score_asc_then_index);
    for (int64_t i = 0; i < k; i++) out[i] = v[i].index;
}

int64_t nb_rank_examples(const double *scores, const uint8_t *labels, int64_t n, double threshold,
                         int64_t k, int64_t *worst, int64_t *best) {
    if (check_inputs("rank_examples", scores, labels, n)) return -1;
    if (k < 0) return nb_error_set("rank_examples: k = %lld is negative", (long long)k), -1;
    if (isnan(threshold)) return nb_error_set("rank_examples: threshold is NaN"), -1;
    if (k > n) k = n;
    scored *v = malloc((size_t)n * sizeof *v);
    if (!v) return nb_error_set("rank_examples: out of memory"), -1;
    if (worst) smallest_margins(v, scores, labels, n, threshold, 1, k, worst);
    if (best) smallest_margins(v, scores, labels, n, threshold, -1, k, best);
    free(v);
    return k;
}
