/* report.c — `fanogan report`: OUT/report.html from what the other
 * subcommands left in OUT (score.csv, metrics.json, losses.csv,
 * compare/examples.csv, options.txt), written by the eval module's report
 * writer: one self-contained page with the metrics, ROC and PR curves, score
 * histograms, per-defect AUCs, the worst and best examples and the loss curves.
 * Only score.csv is required, so the report can be made at any point. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

#define MAX_INFO 32
#define MAX_EXAMPLES 64

/* The loss curves: per chart, the columns of losses.csv it plots. */
static const struct {
    const char *chart;
    int phase, col;
    const char *name;
} curves[] = {
    {"Critic (WGAN-GP)", PHASE_GAN, 0, "critic loss"},
    {"Critic (WGAN-GP)", PHASE_GAN, 1, "Wasserstein estimate"},
    {"Critic (WGAN-GP)", PHASE_GAN, 3, "generator loss"},
    {"Gradient penalty", PHASE_GAN, 2, "gradient penalty"},
    {"Encoder", PHASE_ENCODER, 4, "encoder loss"},
    {"Encoder", PHASE_ENCODER, 5, "pixel MSE"},
    {"Encoder", PHASE_ENCODER, 6, "feature MSE"},
};
#define N_CURVES (int)(sizeof curves / sizeof curves[0])

typedef struct {
    fg_scores s;
    fg_loss_table losses;
    double *xs[N_CURVES], *ys[N_CURVES];
    nb_report_series series[N_CURVES];
    int n_series;
    nb_report_example examples[2][MAX_EXAMPLES];
    int n_examples[2];
    char *example_text;
    int *types;
    char **defect_names;
    int n_defects;
} report_data;

/* One series per curve with values: the rows of its phase where it is a number. */
static int loss_series(report_data *r, const char *path) {
    if (!fg_file_exists(path)) return 0;
    if (fg_loss_table_read(path, &r->losses)) return -1;
    const fg_loss_table *t = &r->losses;
    for (int c = 0; c < N_CURVES; c++) {
        double *x = malloc((size_t)(t->n + 1) * sizeof *x), *y = malloc((size_t)(t->n + 1) * sizeof *y);
        r->xs[c] = x;
        r->ys[c] = y;
        if (!x || !y) return nb_error_set("report: out of memory"), -1;
        int64_t n = 0;
        for (int64_t i = 0; i < t->n; i++)
            if (t->phase[i] == curves[c].phase && !isnan(t->cols[curves[c].col][i])) {
                x[n] = t->step[i];
                y[n++] = t->cols[curves[c].col][i];
            }
        if (n) r->series[r->n_series++] = (nb_report_series){curves[c].chart, curves[c].name, y, x, n};
    }
    return 0;
}

/* compare/examples.csv: kind,rank,index,label,anomaly_score,grid,heatmap */
static int read_examples(report_data *r, const char *path) {
    if (!fg_file_exists(path)) return 0;
    if (!(r->example_text = fg_read_text(path))) return -1;
    char *save = NULL;
    for (char *line = strtok_r(r->example_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char kind[16];
        long long rank, index;
        int label, used = 0;
        double score;
        if (sscanf(line, "%15[^,],%lld,%lld,%d,%lf,%n", kind, &rank, &index, &label, &score, &used) != 5 || !used)
            continue; /* the header */
        char *rest = line + used, *grid = fg_csv_next(&rest), *heat = fg_csv_next(&rest);
        int g = !strcmp(kind, "best");
        if (!heat || index < 0 || index >= r->s.n || r->n_examples[g] == MAX_EXAMPLES) continue;
        r->examples[g][r->n_examples[g]++] = (nb_report_example){r->s.path[index], score, label, grid, heat};
    }
    return 0;
}

static void report_free(report_data *r) {
    fg_scores_free(&r->s);
    fg_loss_table_free(&r->losses);
    for (int c = 0; c < N_CURVES; c++) free(r->xs[c]), free(r->ys[c]);
    free(r->example_text);
    free(r->types);
    free(r->defect_names);
}

/* Settings and results shown under the title. */
static int info_items(const fg_options *o, nb_report_item *items, char (*values)[64]) {
    int n = fg_options_describe(o, items, values, MAX_INFO - 2);
    char path[4200];
    fg_position p;
    nb_fanogan_config cfg;
    const char *names[2] = {"GAN training", "encoder training"};
    for (int ph = 0; ph < 2; ph++) {
        fg_checkpoint_path(o, (fg_phase)ph, path, sizeof path);
        if (!fg_file_exists(path) || fg_checkpoint_peek(path, &cfg, &p)) {
            nb_error_clear();
            continue;
        }
        snprintf(values[n], 64, "%lld epochs, %lld steps, %.0f s", p.epoch, p.step, p.seconds);
        items[n] = (nb_report_item){names[ph], values[n]};
        n++;
    }
    return n;
}

int fg_report(const fg_options *o) {
    report_data *r = calloc(1, sizeof *r);
    if (!r) return nb_error_set("report: out of memory"), -1;
    char path[4200], html[4200];
    nb_report rep = {0};
    int rc = fg_run_scores_read(o, &r->s);
    if (!rc) rc = fg_path(path, sizeof path, "%s/losses.csv", o->out) || loss_series(r, path) ? -1 : 0;
    if (!rc) rc = fg_path(path, sizeof path, "%s/compare/examples.csv", o->out) || read_examples(r, path) ? -1 : 0;
    if (!rc) rc = fg_defect_types(&r->s, &r->types, &r->defect_names, &r->n_defects);
    nb_report_item items[MAX_INFO];
    char values[MAX_INFO][64], title[512];
    if (!rc) {
        snprintf(title, sizeof title, "f-AnoGAN on %s", o->data ? o->data : o->out);
        rep = (nb_report){.title = title, .subtitle = "anomaly_score = img_distance + kappa * feature distance",
                          .info = items, .n_info = info_items(o, items, values),
                          .scores = r->s.anomaly_score, .labels = r->s.label, .n = r->s.n,
                          .defect_type = r->types, .defect_names = (const char *const *)r->defect_names,
                          .n_defect_types = r->n_defects, .worst = r->examples[0], .best = r->examples[1],
                          .n_worst = r->n_examples[0], .n_best = r->n_examples[1], .losses = r->series,
                          .n_losses = r->n_series};
        double pix, aupro, fpr, regions;
        rc = fg_path(path, sizeof path, "%s/metrics.json", o->out) ? -1 : 0;
        if (!rc && fg_file_exists(path) && !fg_metrics_read_value(path, "pixel_roc_auc", &pix) &&
            !fg_metrics_read_value(path, "pixel_aupro", &aupro) &&
            !fg_metrics_read_value(path, "pixel_aupro_max_fpr", &fpr) &&
            !fg_metrics_read_value(path, "pixel_regions", &regions) && !isnan(pix)) {
            rep.has_pixel_metrics = true;
            rep.pixel = (nb_pixel_metrics){pix, aupro, fpr, isnan(regions) ? 0 : (int64_t)regions};
        }
    }
    if (!rc) rc = fg_path(html, sizeof html, "%s/report.html", o->out) || nb_report_write(html, &rep) ? -1 : 0;
    if (!rc) printf("report: %s\n", html);
    report_free(r);
    free(r);
    return rc;
}
