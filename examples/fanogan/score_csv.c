/* score_csv.c — OUT/score.csv, one row per test image:
 *   path,label,img_distance,anomaly_score,z_distance,defect
 * (label 1 = anomalous; defect: the defect folder, "good", or the Fashion-MNIST
 * class), written by `score` and read back by compare and report. Fields with
 * a comma or a quote are quoted as RFC 4180 says. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

static const char header[] = "path,label,img_distance,anomaly_score,z_distance,defect";

int fg_scores_alloc(fg_scores *s, int64_t n) {
    memset(s, 0, sizeof *s);
    size_t k = (size_t)(n > 0 ? n : 1);
    s->path = calloc(k, sizeof *s->path);
    s->defect = calloc(k, sizeof *s->defect);
    s->label = calloc(k, sizeof *s->label);
    s->img_distance = calloc(k, sizeof(double));
    s->anomaly_score = calloc(k, sizeof(double));
    s->z_distance = calloc(k, sizeof(double));
    s->n = n;
    if (s->path && s->defect && s->label && s->img_distance && s->anomaly_score && s->z_distance) return 0;
    fg_scores_free(s);
    return nb_error_set("scores of %lld images: out of memory", (long long)n), -1;
}

void fg_scores_free(fg_scores *s) {
    for (int64_t i = 0; i < s->n; i++) {
        if (s->path) free(s->path[i]);
        if (s->defect) free(s->defect[i]);
    }
    free(s->path);
    free(s->defect);
    free(s->label);
    free(s->img_distance);
    free(s->anomaly_score);
    free(s->z_distance);
    memset(s, 0, sizeof *s);
}

void fg_csv_field(FILE *f, const char *v) {
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"') fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

int fg_scores_write(const char *path, const fg_scores *s) {
    char tmp[4300];
    if (fg_path(tmp, sizeof tmp, "%s.tmp", path)) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return nb_error_set("cannot write %s: %s", tmp, strerror(errno)), -1;
    fprintf(f, "%s\n", header);
    for (int64_t i = 0; i < s->n; i++) {
        fg_csv_field(f, s->path[i] ? s->path[i] : "");
        fprintf(f, ",%d,%.9g,%.9g,%.9g,", s->label[i], s->img_distance[i], s->anomaly_score[i], s->z_distance[i]);
        fg_csv_field(f, s->defect[i] ? s->defect[i] : "");
        fputc('\n', f);
    }
    if (fclose(f) || rename(tmp, path)) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

char *fg_csv_next(char **p) {
    char *s = *p;
    if (!s) return NULL;
    if (*s != '"') {
        char *end = s + strcspn(s, ",");
        *p = *end ? end + 1 : NULL;
        *end = 0;
        return s;
    }
    char *field = s, *o = s; /* o stays behind s: unquoting only shortens */
    for (s++; *s; s++) {
        if (*s == '"' && s[1] == '"') {
            *o++ = '"';
            s++;
        } else if (*s == '"') {
            s++;
            break;
        } else {
            *o++ = *s;
        }
    }
    *p = *s == ',' ? s + 1 : NULL;
    *o = 0;
    return field;
}

/* One data line into row i. */
static int parse_row(char *line, fg_scores *s, int64_t i) {
    char *p = line, *f[6], *end[4];
    for (int k = 0; k < 6; k++) f[k] = fg_csv_next(&p);
    long label = f[1] ? strtol(f[1], &end[0], 10) : -1;
    double v[3];
    for (int k = 0; k < 3; k++) v[k] = f[2 + k] ? strtod(f[2 + k], &end[1 + k]) : 0;
    bool ok = f[0] && f[5] && (label == 0 || label == 1);
    for (int k = 0; ok && k < 4; k++) ok = *end[k] == 0 && end[k] != f[1 + k];
    if (!ok) return -1;
    if (!(s->path[i] = strdup(f[0])) || !(s->defect[i] = strdup(f[5]))) return -1;
    s->label[i] = (uint8_t)label;
    s->img_distance[i] = v[0];
    s->anomaly_score[i] = v[1];
    s->z_distance[i] = v[2];
    return 0;
}

int fg_scores_read(const char *path, fg_scores *s) {
    char *text = fg_read_text(path);
    if (!text) return -1;
    int64_t lines = 0;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line || strncmp(line, header, strlen(header))) {
        free(text);
        return nb_error_set("%s is not a fanogan score.csv (its header is not %s)", path, header), -1;
    }
    if (fg_scores_alloc(s, lines)) {
        free(text);
        return -1;
    }
    int64_t n = 0;
    for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
        s->n = n + 1; /* rows so far and this one (NULL until parsed), for fg_scores_free on failure */
        if (parse_row(line, s, n)) {
            free(text);
            fg_scores_free(s);
            return nb_error_set("%s: row %lld is not path,label,img_distance,anomaly_score,z_distance,defect",
                                path, (long long)n + 1), -1;
        }
    }
    s->n = n;
    free(text);
    return 0;
}

int fg_run_scores_read(const fg_options *o, fg_scores *s) {
    char path[4200];
    if (fg_path(path, sizeof path, "%s/score.csv", o->out)) return -1;
    if (!fg_file_exists(path))
        return nb_error_set("%s has no score.csv: run fanogan score --out %s first", o->out, o->out), -1;
    return fg_scores_read(path, s);
}
