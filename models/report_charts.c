/* report_charts.c — the charts of the HTML report: ROC and precision-recall
 * curves, the score histograms of normal and anomalous test images, and the
 * training curves (long series averaged over buckets so a chart stays small). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "eval_internal.h"

#define HIST_BINS 30
#define MAX_POINTS 400 /* per training series */

static const char *const palette[] = {"#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2"};
#define PALETTE_N ((int)(sizeof palette / sizeof palette[0]))
#define COLOR_NORMAL "#2563eb"
#define COLOR_ANOMALOUS "#ea580c"
#define COLOR_CHANCE "#9ca3af"

void nb_report_roc_chart(FILE *f, const nb_curve *roc, double auc) {
    char title[64];
    snprintf(title, sizeof title, "ROC curve \xc2\xb7 AUC %.4f", auc);
    nb_svg_plot p;
    nb_svg_begin(&p, f, title, "False positive rate", "True positive rate", 0, 1, 0, 1);
    nb_svg_line(&p, (double[]){0, 1}, (double[]){0, 1}, 2, COLOR_CHANCE, 1, "4 4");
    nb_svg_line(&p, roc->x, roc->y, roc->n, COLOR_NORMAL, 2.2, NULL);
    nb_svg_end(&p);
}

void nb_report_pr_chart(FILE *f, const nb_curve *pr, double ap, double positive_rate) {
    char title[64];
    snprintf(title, sizeof title, "Precision-recall \xc2\xb7 AP %.4f", ap);
    nb_svg_plot p;
    nb_svg_begin(&p, f, title, "Recall", "Precision", 0, 1, 0, 1.02);
    nb_svg_line(&p, (double[]){0, 1}, (double[]){positive_rate, positive_rate}, 2, COLOR_CHANCE, 1, "4 4");
    nb_svg_line(&p, pr->x, pr->y, pr->n, COLOR_ANOMALOUS, 2.2, NULL);
    nb_svg_end(&p);
}

void nb_report_histogram(FILE *f, const double *scores, const uint8_t *labels, int64_t n, double threshold) {
    double lo = INFINITY, hi = -INFINITY, h[2][HIST_BINS] = {{0}}, count[2] = {0, 0};
    for (int64_t i = 0; i < n; i++)
        if (isfinite(scores[i])) lo = fmin(lo, scores[i]), hi = fmax(hi, scores[i]);
    if (!(hi > lo)) { /* one value (or none): a unit range around it */
        lo = (isfinite(lo) ? lo : 0) - 0.5;
        hi = lo + 1;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(scores[i])) continue;
        int b = (int)((scores[i] - lo) / (hi - lo) * HIST_BINS);
        h[labels[i]][b < HIST_BINS ? b : HIST_BINS - 1]++;
        count[labels[i]]++;
    }
    double top = 0;
    for (int c = 0; c < 2; c++)
        for (int b = 0; b < HIST_BINS; b++) {
            h[c][b] /= count[c] > 0 ? count[c] : 1;
            top = fmax(top, h[c][b]);
        }
    nb_svg_plot p;
    nb_svg_begin(&p, f, "Anomaly scores", "Score (higher = more anomalous)", "Fraction of class", lo, hi, 0,
                 top > 0 ? top * 1.12 : 1);
    nb_svg_histogram(&p, h[0], HIST_BINS, COLOR_NORMAL);
    nb_svg_histogram(&p, h[1], HIST_BINS, COLOR_ANOMALOUS);
    char label[48];
    snprintf(label, sizeof label, "F1 threshold %.4g", threshold);
    nb_svg_vline(&p, threshold, "#111827", label);
    char name[2][48];
    snprintf(name[0], sizeof name[0], "normal (%lld)", (long long)count[0]);
    snprintf(name[1], sizeof name[1], "anomalous (%lld)", (long long)count[1]);
    nb_svg_legend(&p, name[0], COLOR_NORMAL);
    nb_svg_legend(&p, name[1], COLOR_ANOMALOUS);
    nb_svg_end(&p);
}

/* Means of x and y over buckets of `every` points into bx, by; returns the count. */
static int64_t bucket_means(const nb_report_series *s, int64_t every, double *bx, double *by) {
    int64_t m = 0;
    for (int64_t i0 = 0; i0 < s->n; i0 += every) {
        double sx = 0, sy = 0;
        int64_t k = 0;
        for (int64_t i = i0; i < s->n && i < i0 + every; i++) {
            if (!isfinite(s->values[i])) continue;
            sx += s->steps ? s->steps[i] : (double)i;
            sy += s->values[i];
            k++;
        }
        if (k) bx[m] = sx / k, by[m++] = sy / k;
    }
    return m;
}

static bool same_chart(const nb_report_series *a, const nb_report_series *b) {
    return a->chart && b->chart && !strcmp(a->chart, b->chart);
}

/* One chart: the series from `first` on that share its chart name. */
static int loss_chart(FILE *f, const nb_report_series *s, int n, int first) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    int64_t longest = 1;
    for (int j = first; j < n; j++) {
        if (j != first && !same_chart(&s[first], &s[j])) continue;
        for (int64_t i = 0; i < s[j].n; i++) {
            double x = s[j].steps ? s[j].steps[i] : (double)i, y = s[j].values[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
        }
        if (s[j].n > longest) longest = s[j].n;
    }
    if (!isfinite(x0)) return 0; /* nothing finite to draw */
    double pad = y1 > y0 ? 0.05 * (y1 - y0) : fmax(fabs(y0) * 0.1, 1);
    int64_t every = (longest + MAX_POINTS - 1) / MAX_POINTS;
    double *bx = malloc(2 * (size_t)MAX_POINTS * sizeof *bx);
    if (!bx) return -1;
    nb_svg_plot p;
    const char *title = s[first].chart ? s[first].chart : s[first].name;
    nb_svg_begin(&p, f, title, every > 1 ? "Step (bucket means)" : "Step", "Value", x0, x1, y0 - pad, y1 + pad);
    for (int j = first, color = 0; j < n; j++) {
        if (j != first && !same_chart(&s[first], &s[j])) continue;
        int64_t m = bucket_means(&s[j], every, bx, bx + MAX_POINTS);
        nb_svg_line(&p, bx, bx + MAX_POINTS, m, palette[color % PALETTE_N], 1.8, NULL);
        nb_svg_legend(&p, s[j].name ? s[j].name : "", palette[color % PALETTE_N]);
        color++;
    }
    nb_svg_end(&p);
    free(bx);
    return 0;
}

int nb_report_loss_charts(FILE *f, const nb_report_series *series, int n) {
    for (int i = 0; i < n; i++) {
        bool drawn = false; /* by an earlier series of the same chart */
        for (int j = 0; j < i && !drawn; j++) drawn = same_chart(&series[i], &series[j]);
        if (!drawn && loss_chart(f, series, n, i)) return -1;
    }
    return 0;
}
