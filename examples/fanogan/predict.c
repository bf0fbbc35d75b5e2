/* predict.c — `fanogan predict`: new, unlabeled PNG images (files, or the PNGs
 * of folders) through a trained run. Each image goes through the run's own
 * transform and nb_fanogan_score exactly as `score` sends a test image, so the
 * numbers are the same; each is called anomalous when its anomaly_score
 * reaches the threshold (--threshold, else the F1-best one of metrics.json),
 * and gets a residual heatmap. One CSV row per image, on stdout and in
 * PREDICT_DIR/predictions.csv:
 *   path,img_distance,anomaly_score,z_distance,anomalous,threshold,heatmap */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "tool.h"

typedef struct {
    char **paths;
    int64_t n, cap;
} path_list;

static int add_path(path_list *l, const char *dir, const char *name) {
    if (l->n == l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 64;
        char **p = realloc(l->paths, (size_t)cap * sizeof *p);
        if (!p) return nb_error_set("predict: out of memory"), -1;
        l->paths = p;
        l->cap = cap;
    }
    size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    char *s = malloc(len);
    if (!s) return nb_error_set("predict: out of memory"), -1;
    snprintf(s, len, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    l->paths[l->n++] = s;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The PNG files of a folder, sorted by name. */
static int add_folder(path_list *l, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return nb_error_set("cannot read folder %s: %s", dir, strerror(errno)), -1;
    int64_t first = l->n;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] != '.' && n > 4 && !strcasecmp(e->d_name + n - 4, ".png")) rc = add_path(l, dir, e->d_name);
    }
    closedir(d);
    if (!rc && l->n == first) return nb_error_set("folder %s holds no PNG images", dir), -1;
    qsort(l->paths + first, (size_t)(l->n - first), sizeof *l->paths, cmp_str);
    return rc;
}

static int collect_inputs(const fg_options *o, path_list *l) {
    for (int i = 0; i < o->n_inputs; i++) {
        struct stat st;
        if (stat(o->inputs[i], &st)) return nb_error_set("cannot read %s: %s", o->inputs[i], strerror(errno)), -1;
        if (S_ISDIR(st.st_mode) ? add_folder(l, o->inputs[i]) : add_path(l, NULL, o->inputs[i])) return -1;
    }
    return 0;
}

typedef struct {
    const fg_options *o;
    nb_fanogan *m;
    nb_transform tf;
    double threshold, vmax;
    char threshold_text[32]; /* the threshold column, the same on every row */
    char dir[4200];
    FILE *csv;
    int64_t n_anomalous;
} predict_run;

/* Images [from, from + k) of the list: scores, rows, heatmaps. */
static int predict_batch(predict_run *p, const path_list *l, int64_t from, int64_t k) {
    const nb_fanogan_config *c = &p->m->cfg;
    nb_tensor *x = nb_tensor_new(NB_SHAPE(k, c->channels, c->image_size, c->image_size));
    for (int64_t j = 0; x && j < k; j++)
        if (fg_load_into(NULL, 0, l->paths[from + j], &p->tf, x, j, NULL)) return -1;
    nb_fanogan_scores sc;
    if (!x || fg_score_images(p->m, p->o, x, &sc)) return -1;
    for (int64_t j = 0; j < k; j++) {
        const char *path = l->paths[from + j];
        char stem[200], heat[4500], row[160];
        fg_stem(path, stem, sizeof stem);
        if (fg_path(heat, sizeof heat, "%s/heatmaps/%04lld_%s.png", p->dir, (long long)(from + j), stem) ||
            fg_write_heatmap(heat, fg_item(x, j), fg_item(sc.residual, j), p->vmax))
            return -1;
        double score = sc.anomaly_score->data[j];
        bool anomalous = score >= p->threshold;
        p->n_anomalous += anomalous;
        snprintf(row, sizeof row, ",%.9g,%.9g,%.9g,%d,%s,", (double)sc.img_distance->data[j], score,
                 (double)sc.z_distance->data[j], anomalous, p->threshold_text);
        FILE *to[2] = {stdout, p->csv};
        for (int f = 0; f < 2; f++) {
            fg_csv_field(to[f], path);
            fputs(row, to[f]);
            fg_csv_field(to[f], heat);
            fputc('\n', to[f]);
        }
    }
    return 0;
}

/* The threshold (--threshold or metrics.json) and the heatmap scale. */
static int read_settings(predict_run *p) {
    char path[4200];
    const fg_options *o = p->o;
    p->threshold = o->threshold;
    p->vmax = 0;
    if (fg_path(path, sizeof path, "%s/metrics.json", o->out)) return -1;
    if (fg_file_exists(path)) {
        double t, v;
        if (fg_metrics_read_value(path, "threshold", &t) || fg_metrics_read_value(path, "heatmap_vmax", &v)) return -1;
        if (isnan(p->threshold)) p->threshold = t;
        if (!isnan(v)) p->vmax = v;
    }
    if (isnan(p->threshold))
        return nb_error_set("no threshold: %s %s (run fanogan score --out %s on labeled test data, or give "
                            "--threshold X)", fg_file_exists(path) ? path : o->out,
                            fg_file_exists(path) ? "has none" : "has no metrics.json", o->out), -1;
    fg_format_real(p->threshold_text, sizeof p->threshold_text, p->threshold);
    return 0;
}

static int predict_all(predict_run *p, const path_list *l) {
    char path[4300];
    if (fg_path(path, sizeof path, "%s/heatmaps", p->dir) || fg_mkdirs(path) ||
        fg_path(path, sizeof path, "%s/predictions.csv", p->dir))
        return -1;
    if (!(p->csv = fopen(path, "w"))) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    const char *header = "path,img_distance,anomaly_score,z_distance,anomalous,threshold,heatmap\n";
    fputs(header, stdout);
    fputs(header, p->csv);
    nb_arena *a = nb_arena_new(), *prev = nb_arena_use(a);
    int rc = 0;
    for (int64_t from = 0; !rc && from < l->n; from += p->o->batch) {
        int64_t k = l->n - from < p->o->batch ? l->n - from : p->o->batch;
        rc = predict_batch(p, l, from, k);
        nb_arena_reset(a);
    }
    nb_arena_use(prev);
    nb_arena_free(a);
    if (fclose(p->csv) && !rc) rc = -1, nb_error_set("cannot write %s", path);
    if (!rc)
        fprintf(stderr, "fanogan: %lld of %lld images anomalous (anomaly_score >= %.6g); %s, heatmaps in %s/heatmaps\n",
                (long long)p->n_anomalous, (long long)l->n, p->threshold, path, p->dir);
    return rc;
}

int fg_predict(const fg_options *o) {
    predict_run p = {.o = o};
    path_list l = {0};
    fg_data d;
    int rc = read_settings(&p) || collect_inputs(o, &l) || fg_data_parse(o->data, &d) ? -1 : 0;
    if (!rc) rc = o->predict_dir ? fg_path(p.dir, sizeof p.dir, "%s", o->predict_dir)
                                 : fg_path(p.dir, sizeof p.dir, "%s/predict", o->out);
    if (!rc && !(p.m = fg_load_trained(o))) rc = -1;
    if (!rc) {
        p.tf = fg_data_transform(&d, &p.m->cfg);
        rc = predict_all(&p, &l);
    }
    if (p.m) nb_fanogan_free(p.m);
    for (int64_t i = 0; i < l.n; i++) free(l.paths[i]);
    free(l.paths);
    return rc;
}
