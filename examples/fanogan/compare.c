/* compare.c — `fanogan compare`: the test images scored most wrongly (worst)
 * and most clearly right (best) about the threshold of metrics.json, each
 * written as an input | reconstruction | difference grid and as a residual
 * heatmap over the input, into OUT/compare/, listed in OUT/compare/examples.csv
 * for the report; worst.png and best.png show each group together. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

#define HEAT_ALPHA 0.55

int fg_write_heatmap(const char *path, nb_tensor *x, nb_tensor *residual, double vmax) {
    nb_image base = {0}, heat = {0};
    int rc = nb_image_from_tensor(x, -1, 1, &base);
    if (!rc) rc = nb_heatmap_overlay(&base, residual, 0, vmax > 0 ? vmax : 0, HEAT_ALPHA, &heat);
    if (!rc) rc = fg_write_view(path, &heat, (int)x->shape[1]);
    if (base.pixels) nb_image_free(&base);
    if (heat.pixels) nb_image_free(&heat);
    return rc;
}

/* Everything one subcommand run needs. */
typedef struct {
    const fg_options *o;
    fg_scores s;
    double threshold, vmax;
    nb_fanogan *m;
    nb_dataset *ds;
    nb_transform tf;
    FILE *list;
} compare_run;

/* Example j of a group: its grid and heatmap files and its examples.csv row. */
static int write_example(compare_run *c, const char *kind, int64_t j, int64_t i, nb_tensor *in, nb_tensor *rec,
                         nb_tensor *residual) {
    char grid[4300], heat[4300];
    nb_image g = {0};
    if (fg_path(grid, sizeof grid, "%s/compare/%s_%02lld.png", c->o->out, kind, (long long)j + 1) ||
        fg_path(heat, sizeof heat, "%s/compare/%s_%02lld_heatmap.png", c->o->out, kind, (long long)j + 1))
        return -1;
    int rc = nb_comparison_grid(1, &in, &rec, c->vmax, &g);
    if (!rc) rc = fg_write_view(grid, &g, (int)in->shape[1]);
    if (g.pixels) nb_image_free(&g);
    if (rc || fg_write_heatmap(heat, in, residual, c->vmax)) return -1;
    fprintf(c->list, "%s,%lld,%lld,%d,%.9g,", kind, (long long)j + 1, (long long)i, c->s.label[i],
            c->s.anomaly_score[i]);
    fg_csv_field(c->list, grid);
    fputc(',', c->list);
    fg_csv_field(c->list, heat);
    fputc('\n', c->list);
    return 0;
}

/* The test set's index of the image score.csv names, or -1. */
static int64_t find_item(const nb_dataset *ds, const char *name) {
    for (int64_t i = 0; i < nb_dataset_size(ds); i++)
        if (!strcmp(nb_dataset_item(ds, i)->name, name)) return i;
    return -1;
}

/* The group's test images [k,C,H,W] (rows idx of score.csv). */
static nb_tensor *load_group(compare_run *c, const int64_t *idx, int64_t k) {
    const nb_fanogan_config *cfg = &c->m->cfg;
    nb_tensor *x = nb_tensor_new(NB_SHAPE(k, cfg->channels, cfg->image_size, cfg->image_size));
    for (int64_t j = 0; x && j < k; j++) {
        int64_t i = find_item(c->ds, c->s.path[idx[j]]);
        if (i < 0)
            return nb_error_set("%s of score.csv is not in the test set of --data %s: run fanogan score again",
                                c->s.path[idx[j]], c->o->data);
        if (fg_load_into(c->ds, i, NULL, &c->tf, x, j, NULL)) return NULL;
    }
    return x;
}

/* One group (worst or best): per example a grid and a heatmap, then the
 * group's grid. */
static int write_group(compare_run *c, const char *kind, const int64_t *idx, int64_t k) {
    nb_tensor *x = load_group(c, idx, k);
    nb_fanogan_scores sc;
    if (!x || fg_score_images(c->m, c->o, x, &sc)) return -1;
    nb_tensor **in = malloc((size_t)k * sizeof *in), **rec = malloc((size_t)k * sizeof *rec);
    int rc = in && rec ? 0 : (nb_error_set("compare: out of memory"), -1);
    for (int64_t j = 0; !rc && j < k; j++) {
        in[j] = fg_item(x, j);
        rec[j] = fg_item(sc.reconstruction, j);
        rc = write_example(c, kind, j, idx[j], in[j], rec[j], fg_item(sc.residual, j));
    }
    char path[4300];
    nb_image all = {0};
    if (!rc)
        rc = fg_path(path, sizeof path, "%s/compare/%s.png", c->o->out, kind) ||
                     nb_comparison_grid((int)k, in, rec, c->vmax, &all) ||
                     fg_write_view(path, &all, (int)x->shape[2]) ? -1 : 0;
    if (all.pixels) nb_image_free(&all);
    free(in);
    free(rec);
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The threshold and heatmap scale that score saved. */
static int read_metrics(compare_run *c) {
    char path[4200];
    if (fg_path(path, sizeof path, "%s/metrics.json", c->o->out) ||
        fg_metrics_read_value(path, "threshold", &c->threshold) ||
        fg_metrics_read_value(path, "heatmap_vmax", &c->vmax))
        return -1;
    if (isnan(c->vmax)) c->vmax = 0;
    if (isnan(c->threshold)) {
        /* no labeled threshold (one class only): rank about the median score */
        double *v = malloc((size_t)c->s.n * sizeof *v);
        if (!v) return nb_error_set("compare: out of memory"), -1;
        memcpy(v, c->s.anomaly_score, (size_t)c->s.n * sizeof *v);
        qsort(v, (size_t)c->s.n, sizeof *v, cmp_double);
        c->threshold = v[c->s.n / 2];
        free(v);
    }
    return 0;
}

static int compare_examples(compare_run *c) {
    int64_t k = c->o->examples < c->s.n ? c->o->examples : c->s.n;
    int64_t *worst = malloc((size_t)k * sizeof *worst), *best = malloc((size_t)k * sizeof *best);
    char path[4200];
    int rc = worst && best ? 0 : (nb_error_set("compare: out of memory"), -1);
    if (!rc) k = nb_rank_examples(c->s.anomaly_score, c->s.label, c->s.n, c->threshold, k, worst, best);
    if (!rc && k < 0) rc = -1;
    if (!rc)
        rc = fg_path(path, sizeof path, "%s/compare", c->o->out) || fg_mkdirs(path) ||
                     fg_path(path, sizeof path, "%s/compare/examples.csv", c->o->out) ? -1 : 0;
    if (!rc && !(c->list = fopen(path, "w"))) rc = -1, nb_error_set("cannot write %s: %s", path, strerror(errno));
    if (!rc) {
        fprintf(c->list, "kind,rank,index,label,anomaly_score,grid,heatmap\n");
        nb_arena *a = nb_arena_new(), *prev = nb_arena_use(a);
        rc = write_group(c, "worst", worst, k);
        nb_arena_reset(a);
        if (!rc) rc = write_group(c, "best", best, k);
        nb_arena_use(prev);
        nb_arena_free(a);
        if (fclose(c->list) && !rc) rc = -1, nb_error_set("cannot write %s", path);
    }
    if (!rc) printf("compared the %lld worst and best test images: %s/compare/\n", (long long)k, c->o->out);
    free(worst);
    free(best);
    return rc;
}

int fg_compare(const fg_options *o) {
    compare_run c = {.o = o};
    fg_data d;
    if (fg_run_scores_read(o, &c.s)) return -1;
    int rc = c.s.n < 1 ? (nb_error_set("%s/score.csv has no rows", o->out), -1) : 0;
    if (!rc) rc = read_metrics(&c) || fg_data_parse(o->data, &d) ? -1 : 0;
    if (!rc) rc = (c.m = fg_load_trained(o)) && (c.ds = fg_data_open(&d, false)) ? 0 : -1;
    if (!rc) {
        c.tf = fg_data_transform(&d, &c.m->cfg);
        rc = compare_examples(&c);
    }
    if (c.ds) nb_dataset_free(c.ds);
    if (c.m) nb_fanogan_free(c.m);
    fg_scores_free(&c.s);
    return rc;
}
