/* report.c — writes the evaluation report: one HTML file with inline CSS, SVG
 * charts and data: URI images, so it opens offline and can be mailed alone.
 * Sections: title and settings, metrics tables, ROC / PR / score histograms,
 * training curves, and galleries of the worst and best scored test images.
 * Image metrics are computed here from the scores and labels, in an arena of
 * the report's own, so nothing is left in the caller's arena. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "eval_internal.h"
#include "nb_internal.h"

static const char css[] =
    ":root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f5f6f8;--accent:#2563eb}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}\n"
    "main{max-width:1200px;margin:0 auto;padding:28px 24px 48px}\n"
    "h1{font-size:26px;margin:0 0 4px}\n"
    "h2{font-size:18px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}\n"
    "h3{font-size:15px;margin:0 0 8px}\n"
    ".sub{color:var(--muted);margin:0 0 14px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px;"
    "box-shadow:0 1px 2px rgba(0,0,0,.04)}\n"
    ".cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px;margin-top:16px}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:middle}\n"
    "th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
    "tr:last-child td{border-bottom:none}\n"
    "td.num{font-variant-numeric:tabular-nums;text-align:right;white-space:nowrap}\n"
    "table.info td:first-child{color:var(--muted);width:30%}\n"
    ".bar{height:8px;border-radius:4px;background:var(--accent);min-width:2px}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    ".charts>svg.chart{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px}\n"
    "svg .title{font-size:15px;font-weight:600;fill:var(--ink)}\n"
    "svg .tick{font-size:12px;fill:var(--muted)}\n"
    "svg .axis,svg .legend{font-size:13px;fill:var(--ink)}\n"
    "svg .mark{font-size:12px;fill:#111827}\n"
    "svg .grid{stroke:#eef0f3;stroke-width:1}\n"
    "svg .frame{fill:none;stroke:#9ca3af;stroke-width:1}\n"
    "svg .hist{fill-opacity:.25;stroke-width:1.5}\n"
    "svg .marker{stroke-width:1.5;stroke-dasharray:5 4}\n"
    ".gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:16px}\n"
    ".imgs{display:flex;gap:6px;align-items:flex-start;margin-top:8px}\n"
    ".imgs img{image-rendering:pixelated;border-radius:4px;display:block;min-width:0}\n"
    ".imgs img.grid{flex:3 1 0}.imgs img.heat{flex:1 1 0}\n"
    ".example .cap{font-weight:600;word-break:break-all}\n"
    ".tag{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;"
    "margin-right:6px}\n"
    ".tag.anomalous{background:#ffedd5;color:#9a3412}.tag.normal{background:#dbeafe;color:#1e40af}\n"
    ".missing{color:#991b1b;background:#fef2f2;border:1px dashed #fca5a5;border-radius:4px;padding:8px;"
    "margin-top:8px;font-size:13px;word-break:break-all}\n"
    ".note{color:var(--muted);font-size:13px;margin:8px 0 0}\n"
    "footer{margin-top:40px;color:var(--muted);font-size:12px}\n";

/* What the page shows about the image-level scores. */
typedef struct {
    int64_t pos, neg;
    bool curves; /* both classes present: every metric defined */
    nb_curve roc, pr;
    double auc, ap, f1, threshold;
    double *type_auc; /* n_defect_types values, or NULL when not all defined */
} summary;

static int validate(const nb_report *r) {
    if (r->n < 0 || (r->n > 0 && (!r->scores || !r->labels)))
        return nb_error_set("report: %lld scores, scores or labels NULL", (long long)r->n), -1;
    for (int64_t i = 0; i < r->n; i++)
        if (r->labels[i] > 1 || isnan(r->scores[i]))
            return nb_error_set("report: image %lld: label %d / score %g (labels are 0 or 1, scores not NaN)",
                                (long long)i, r->labels[i], r->scores[i]), -1;
    for (int i = 0; i < r->n_losses; i++)
        if (r->losses[i].n < 0 || (r->losses[i].n > 0 && !r->losses[i].values))
            return nb_error_set("report: loss series %d has n = %lld and no values", i,
                                (long long)r->losses[i].n), -1;
    if (r->defect_type && r->n_defect_types > 0 && !r->defect_names)
        return nb_error_set("report: defect types without names"), -1;
    return 0;
}

/* Per-type AUCs into *auc (current arena) when every type occurs and some
 * image is normal; *auc stays NULL otherwise. -1 only on failure. */
static int type_aucs(const nb_report *r, double **auc) {
    *auc = NULL;
    if (!r->defect_type || r->n_defect_types <= 0) return 0;
    for (int k = 0; k <= r->n_defect_types; k++) {
        bool seen = false;
        for (int64_t i = 0; i < r->n && !seen; i++) seen = r->defect_type[i] == k;
        if (!seen) return 0;
    }
    double *v = nb_arena_alloc(NULL, (size_t)r->n_defect_types * sizeof *v);
    if (!v || nb_roc_auc_per_type(r->scores, r->defect_type, r->n, r->n_defect_types, v)) return -1;
    *auc = v;
    return 0;
}

static int summarize(const nb_report *r, summary *s) {
    *s = (summary){.auc = NAN, .ap = NAN, .f1 = NAN, .threshold = NAN};
    for (int64_t i = 0; i < r->n; i++) {
        s->pos += r->labels[i];
        s->neg += !r->labels[i];
    }
    s->curves = s->pos > 0 && s->neg > 0;
    if (!s->curves) return 0;
    if (nb_roc_curve(r->scores, r->labels, r->n, &s->roc) || nb_pr_curve(r->scores, r->labels, r->n, &s->pr))
        return -1;
    s->auc = nb_roc_auc(r->scores, r->labels, r->n);
    s->ap = nb_average_precision(r->scores, r->labels, r->n);
    s->f1 = nb_best_f1(r->scores, r->labels, r->n, &s->threshold);
    if (isnan(s->auc) || isnan(s->ap) || isnan(s->f1)) return -1;
    return type_aucs(r, &s->type_auc);
}

static void row_text(FILE *f, const char *key, const char *value) {
    fputs("<tr><td>", f);
    nb_html_escape(f, key);
    fputs("</td><td>", f);
    nb_html_escape(f, value);
    fputs("</td></tr>\n", f);
}

static void row_num(FILE *f, const char *key, double v, const char *fmt) {
    char buf[64];
    if (isnan(v))
        snprintf(buf, sizeof buf, "n/a");
    else
        snprintf(buf, sizeof buf, fmt, v);
    fprintf(f, "<tr><td>%s</td><td class=\"num\">%s</td></tr>\n", key, buf);
}

static void write_header(FILE *f, const nb_report *r) {
    fputs("<header>\n<h1>", f);
    nb_html_escape(f, r->title ? r->title : "Anomaly detection report");
    fputs("</h1>\n", f);
    if (r->subtitle) {
        fputs("<p class=\"sub\">", f);
        nb_html_escape(f, r->subtitle);
        fputs("</p>\n", f);
    }
    if (r->n_info > 0) {
        fputs("<div class=\"card\"><table class=\"info\">\n", f);
        for (int i = 0; i < r->n_info; i++) row_text(f, r->info[i].key, r->info[i].value);
        fputs("</table></div>\n", f);
    }
    fputs("</header>\n", f);
}

static void write_metrics_table(FILE *f, const nb_report *r, const summary *s) {
    fputs("<div class=\"card\"><h3>Metrics</h3><table>\n<tr><th>Metric</th><th>Value</th></tr>\n", f);
    row_num(f, "Test images: normal", (double)s->neg, "%.0f");
    row_num(f, "Test images: anomalous", (double)s->pos, "%.0f");
    row_num(f, "Image ROC-AUC", s->auc, "%.4f");
    row_num(f, "Image PR-AUC (average precision)", s->ap, "%.4f");
    row_num(f, "Best F1", s->f1, "%.4f");
    row_num(f, "F1 threshold (score &ge; it: anomalous)", s->threshold, "%.6g");
    if (r->has_pixel_metrics) {
        char key[64];
        row_num(f, "Pixel ROC-AUC", r->pixel.roc_auc, "%.4f");
        snprintf(key, sizeof key, "AUPRO (FPR &le; %g)", r->pixel.max_fpr);
        row_num(f, key, r->pixel.aupro, "%.4f");
        row_num(f, "Ground-truth regions", (double)r->pixel.n_regions, "%.0f");
    }
    fputs("</table>\n", f);
    if (!s->curves)
        fputs("<p class=\"note\">The test set lacks normal or anomalous images: ROC, PR and F1 are "
              "undefined.</p>\n",
              f);
    fputs("</div>\n", f);
}

static void write_defect_table(FILE *f, const nb_report *r, const summary *s) {
    if (!r->defect_type || r->n_defect_types <= 0) return;
    fputs("<div class=\"card\"><h3>ROC-AUC per defect type</h3><table>\n"
          "<tr><th>Defect type</th><th>Images</th><th>ROC-AUC</th><th style=\"width:35%\"></th></tr>\n",
          f);
    for (int k = 0; k <= r->n_defect_types; k++) {
        int64_t count = 0;
        for (int64_t i = 0; i < r->n; i++) count += r->defect_type[i] == k;
        fputs("<tr><td>", f);
        nb_html_escape(f, k == 0 ? "good (normal)" : r->defect_names[k - 1]);
        fprintf(f, "</td><td class=\"num\">%lld</td>", (long long)count);
        double auc = k > 0 && s->type_auc ? s->type_auc[k - 1] : NAN;
        if (isnan(auc))
            fputs(k == 0 ? "<td class=\"num\">&mdash;</td><td></td>" : "<td class=\"num\">n/a</td><td></td>", f);
        else
            fprintf(f, "<td class=\"num\">%.4f</td><td><div class=\"bar\" style=\"width:%.1f%%\"></div></td>", auc,
                    100 * auc);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void write_examples(FILE *f, const char *heading, const char *note, const nb_report_example *ex, int n) {
    if (n <= 0 || !ex) return;
    fprintf(f, "<section>\n<h2>%s</h2>\n<p class=\"note\">%s Images: input | reconstruction | difference, "
               "and the anomaly heatmap over the input.</p>\n<div class=\"gallery\">\n",
            heading, note);
    for (int i = 0; i < n; i++) {
        const char *label = ex[i].label ? "anomalous" : "normal";
        fputs("<div class=\"card example\"><div class=\"cap\">", f);
        nb_html_escape(f, ex[i].caption ? ex[i].caption : "");
        fprintf(f, "</div><div><span class=\"tag %s\">%s</span>score %.6g</div>\n", label, label, ex[i].score);
        fputs("<div class=\"imgs\">\n", f);
        if (ex[i].grid_png) nb_html_png(f, ex[i].grid_png, "grid", "input, reconstruction and difference");
        if (ex[i].heatmap_png) nb_html_png(f, ex[i].heatmap_png, "heat", "anomaly heatmap");
        fputs("</div></div>\n", f);
    }
    fputs("</div>\n</section>\n", f);
}

static int write_page(FILE *f, const nb_report *r, const summary *s) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    nb_html_escape(f, r->title ? r->title : "Anomaly detection report");
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
    write_header(f, r);
    fputs("<section>\n<h2>Detection</h2>\n<div class=\"cols\">\n", f);
    write_metrics_table(f, r, s);
    write_defect_table(f, r, s);
    fputs("</div>\n<div class=\"charts\">\n", f);
    if (s->curves) {
        fputs("<div class=\"card\">\n", f);
        nb_report_roc_chart(f, &s->roc, s->auc);
        fputs("</div>\n<div class=\"card\">\n", f);
        nb_report_pr_chart(f, &s->pr, s->ap, (double)s->pos / (double)r->n);
        fputs("</div>\n", f);
    }
    if (r->n > 0) {
        fputs("<div class=\"card\">\n", f);
        nb_report_histogram(f, r->scores, r->labels, r->n, s->threshold);
        fputs("</div>\n", f);
    }
    fputs("</div>\n</section>\n", f);
    if (r->n_losses > 0) {
        fputs("<section>\n<h2>Training</h2>\n<div class=\"charts\">\n", f);
        if (nb_report_loss_charts(f, r->losses, r->n_losses)) return nb_error_set("report: out of memory"), -1;
        fputs("</div>\n</section>\n", f);
    }
    write_examples(f, "Worst examples", "The test images scored most wrongly about the threshold.", r->worst,
                   r->n_worst);
    write_examples(f, "Best examples", "The test images scored most clearly right.", r->best, r->n_best);
    fputs("<footer>Written by nabla. Scores: higher = more anomalous. PR-AUC is the average precision; "
          "AUPRO is MVTec AD's per-region overlap, normalized by its FPR limit.</footer>\n"
          "</main>\n</body>\n</html>\n",
          f);
    return 0;
}

/* Writes the page to path.tmp, then renames it over path. */
static int write_file(const char *path, const nb_report *r, const summary *s) {
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp) return nb_error_set("report: out of memory"), -1;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        nb_error_set("report: cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = write_page(f, r, s);
    bool failed = ferror(f) != 0;
    failed |= fclose(f) != 0;
    if (!rc && failed) {
        rc = -1;
        nb_error_set("report: writing '%s' failed: %s", tmp, strerror(errno));
    }
    if (!rc && rename(tmp, path)) {
        rc = -1;
        nb_error_set("report: cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    }
    if (rc) remove(tmp);
    free(tmp);
    return rc;
}

int nb_report_write(const char *path, const nb_report *r) {
    if (!path || !r) return nb_error_set("report: NULL path or report"), -1;
    if (validate(r)) return -1;
    nb_arena *arena = nb_arena_new();
    if (!arena) return -1;
    nb_arena *prev = nb_arena_use(arena);
    summary s;
    int rc = summarize(r, &s);
    if (!rc) rc = write_file(path, r, &s);
    nb_arena_use(prev);
    nb_arena_free(arena);
    return rc;
}
