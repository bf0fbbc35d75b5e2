/* metrics_json.c — the image-level metrics of a scored test set (from the
 * eval module) and OUT/metrics.json, which holds them with the pixel metrics,
 * the F1-best threshold that predict uses, and the heatmap scale:
 *
 *   { "image_roc_auc": 0.93, "image_pr_auc": 0.71, "f1": 0.68,
 *     "f1_threshold": 0.0412, "threshold": 0.0412, ...,
 *     "per_defect_roc_auc": {"scratch": 0.97, ...},
 *     "pixel_roc_auc": 0.88, "pixel_aupro": 0.61, ... }
 *
 * Metrics that cannot be computed (a test set of one class) are null. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

int fg_defect_types(const fg_scores *s, int **types_out, char ***names_out, int *n_out) {
    int *types = calloc((size_t)(s->n ? s->n : 1), sizeof *types);
    char **names = calloc((size_t)(s->n ? s->n : 1), sizeof *names);
    int n = 0;
    for (int64_t i = 0; types && names && i < s->n; i++) {
        if (!s->label[i]) continue;
        int k = 0;
        while (k < n && strcmp(names[k], s->defect[i])) k++;
        if (k == n) names[n++] = s->defect[i];
        types[i] = k + 1;
    }
    if (!types || !names) {
        free(types);
        free(names);
        return nb_error_set("defect types: out of memory"), -1;
    }
    *types_out = types;
    *names_out = names; /* borrowed strings of s */
    *n_out = n;
    return 0;
}

/* A metric of the eval module, or NAN without a pending error when the data
 * cannot give it. */
static double quiet(double v) {
    if (isnan(v)) nb_error_clear();
    return v;
}

int fg_metrics_compute(const fg_scores *s, fg_metrics *m) {
    memset(m, 0, sizeof *m);
    m->n = s->n;
    for (int64_t i = 0; i < s->n; i++) m->n_anomalous += s->label[i];
    m->roc_auc = m->pr_auc = m->f1 = m->threshold = m->roc_auc_img = m->roc_auc_z = NAN;
    if (m->n_anomalous == 0 || m->n_anomalous == m->n) return 0; /* one class only: no metrics */
    m->roc_auc = quiet(nb_roc_auc(s->anomaly_score, s->label, s->n));
    m->pr_auc = quiet(nb_average_precision(s->anomaly_score, s->label, s->n));
    m->f1 = quiet(nb_best_f1(s->anomaly_score, s->label, s->n, &m->threshold));
    if (isnan(m->f1)) m->threshold = NAN;
    m->roc_auc_img = quiet(nb_roc_auc(s->img_distance, s->label, s->n));
    m->roc_auc_z = quiet(nb_roc_auc(s->z_distance, s->label, s->n));
    int *types = NULL;
    if (fg_defect_types(s, &types, &m->defect_names, &m->n_defects)) return -1;
    m->defect_auc = calloc((size_t)(m->n_defects ? m->n_defects : 1), sizeof *m->defect_auc);
    if (!m->defect_auc) {
        free(types);
        return nb_error_set("metrics: out of memory"), -1;
    }
    if (nb_roc_auc_per_type(s->anomaly_score, types, s->n, m->n_defects, m->defect_auc)) {
        for (int k = 0; k < m->n_defects; k++) m->defect_auc[k] = NAN;
        nb_error_clear();
    }
    free(types);
    return 0;
}

void fg_metrics_free(fg_metrics *m) {
    free(m->defect_names);
    free(m->defect_auc);
    memset(m, 0, sizeof *m);
}

static void put_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* a number, exact but as short as can be; null when not finite (JSON has no
 * NaN or Infinity) */
static void put_value(FILE *f, double v) {
    char buf[32];
    fg_format_real(buf, sizeof buf, v);
    fputs(isfinite(v) ? buf : "null", f);
}

/* one "key": value line of the top object */
static void put_number(FILE *f, const char *key, double v) {
    fprintf(f, "  ");
    put_string(f, key);
    fputs(": ", f);
    put_value(f, v);
    fputs(",\n", f);
}

int fg_metrics_write(const char *path, const fg_metrics *m, const fg_options *o) {
    char tmp[4300];
    if (fg_path(tmp, sizeof tmp, "%s.tmp", path)) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return nb_error_set("cannot write %s: %s", tmp, strerror(errno)), -1;
    fprintf(f, "{\n  \"data\": ");
    put_string(f, o->data ? o->data : "");
    fprintf(f, ",\n  \"score\": \"anomaly_score\",\n  \"distance\": \"%s\",\n", fg_distance_name(o->distance));
    put_number(f, "kappa", o->kappa);
    put_number(f, "n_test", (double)m->n);
    put_number(f, "n_anomalous", (double)m->n_anomalous);
    put_number(f, "image_roc_auc", m->roc_auc);
    put_number(f, "image_pr_auc", m->pr_auc);
    put_number(f, "f1", m->f1);
    put_number(f, "f1_threshold", m->threshold);
    put_number(f, "threshold", m->threshold);
    put_number(f, "image_roc_auc_img_distance", m->roc_auc_img);
    put_number(f, "image_roc_auc_z_distance", m->roc_auc_z);
    if (m->has_pixel) {
        put_number(f, "pixel_roc_auc", m->pixel.roc_auc);
        put_number(f, "pixel_aupro", m->pixel.aupro);
        put_number(f, "pixel_aupro_max_fpr", m->pixel.max_fpr);
        put_number(f, "pixel_regions", (double)m->pixel.n_regions);
    }
    put_number(f, "heatmap_vmax", m->heatmap_vmax);
    fprintf(f, "  \"per_defect_roc_auc\": {");
    for (int k = 0; k < m->n_defects; k++) {
        fprintf(f, "%s\n    ", k ? "," : "");
        put_string(f, m->defect_names[k]);
        fputs(": ", f);
        put_value(f, m->defect_auc[k]);
    }
    fprintf(f, "%s}\n}\n", m->n_defects ? "\n  " : "");
    if (fclose(f) || rename(tmp, path)) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

int fg_metrics_read_value(const char *path, const char *key, double *out) {
    char *text = fg_read_text(path), pattern[128];
    if (!text) return -1;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(text, pattern);
    *out = NAN;
    if (at) {
        at += strlen(pattern);
        char *end;
        double v = strtod(at, &end);
        if (end != at) *out = v;
    }
    free(text);
    return 0;
}
