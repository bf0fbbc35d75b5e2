/* losses.c — OUT/losses.csv, the training curves: one row per `every` steps
 * with the mean losses of those steps, appended and flushed as training goes
 * so that `report` can be run at any time, and trimmed back to the checkpoint
 * when training resumes from it.
 *
 *   phase,epoch,step,seconds,d_loss,wasserstein,gp,g_loss,e_loss,e_img,e_feat
 *
 * (a phase's row leaves the other phase's columns empty). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

const char *const fg_loss_columns[7] = {"d_loss", "wasserstein", "gp", "g_loss", "e_loss", "e_img", "e_feat"};
static const char header[] = "phase,epoch,step,seconds,d_loss,wasserstein,gp,g_loss,e_loss,e_img,e_feat\n";
static const char *const phase_names[2] = {"gan", "encoder"};

/* A data row's phase and step, or -1 for the header and rows not understood. */
static int row_phase(const char *line, long long *step) {
    for (int p = 0; p < 2; p++) {
        size_t n = strlen(phase_names[p]);
        long long epoch;
        if (!strncmp(line, phase_names[p], n) && line[n] == ',' && sscanf(line + n, ",%lld,%lld", &epoch, step) == 2)
            return p;
    }
    return -1;
}

/* Rewrites the log without the rows after (phase, keep_step). */
static int trim(const char *path, fg_phase phase, long long keep_step) {
    char tmp[4300];
    if (fg_path(tmp, sizeof tmp, "%s.tmp", path)) return -1;
    char *text = fg_file_exists(path) ? fg_read_text(path) : NULL;
    if (fg_file_exists(path) && !text) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(text);
        return nb_error_set("cannot write %s: %s", tmp, strerror(errno)), -1;
    }
    fputs(header, f);
    for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        long long step;
        int p = row_phase(line, &step);
        if (p >= 0 && (p < (int)phase || (p == (int)phase && step <= keep_step))) fprintf(f, "%s\n", line);
    }
    free(text);
    if (fclose(f) || rename(tmp, path)) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

int fg_loss_log_open(fg_loss_log *l, const fg_options *o, fg_phase phase, long long keep_step) {
    char path[4200];
    *l = (fg_loss_log){.phase = phase};
    if (fg_path(path, sizeof path, "%s/losses.csv", o->out) || trim(path, phase, keep_step)) return -1;
    if (!(l->f = fopen(path, "a"))) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

static void put(FILE *f, double sum, int n) {
    if (n)
        fprintf(f, ",%.6g", sum / n);
    else
        fputc(',', f);
}

int fg_loss_log_flush(fg_loss_log *l, double seconds) {
    if (!l->count) return 0;
    const nb_fanogan_losses *s = &l->sum;
    int c = l->count, gan = l->phase == PHASE_GAN ? c : 0, enc = l->phase == PHASE_ENCODER ? c : 0;
    fprintf(l->f, "%s,%lld,%lld,%.1f", phase_names[l->phase], l->epoch, l->first_step + c, seconds);
    put(l->f, s->d_loss, gan);
    put(l->f, s->wasserstein, gan);
    put(l->f, s->gp, gan);
    put(l->f, s->g_loss, l->phase == PHASE_GAN ? l->g_count : 0);
    put(l->f, s->e_loss, enc);
    put(l->f, s->e_img, enc);
    put(l->f, s->e_feat, enc);
    fputc('\n', l->f);
    l->first_step += c;
    l->count = l->g_count = 0;
    l->sum = (nb_fanogan_losses){0};
    if (fflush(l->f)) return nb_error_set("cannot write losses.csv: %s", strerror(errno)), -1;
    return 0;
}

int fg_loss_log_add(fg_loss_log *l, long long epoch, long long step, double seconds, const nb_fanogan_losses *x,
                    bool g_step, int every) {
    if (!l->count) {
        l->epoch = epoch;
        l->first_step = step - 1;
    }
    nb_fanogan_losses *s = &l->sum;
    s->d_loss += x->d_loss;
    s->wasserstein += x->wasserstein;
    s->gp += x->gp;
    if (g_step) s->g_loss += x->g_loss, l->g_count++;
    s->e_loss += x->e_loss;
    s->e_img += x->e_img;
    s->e_feat += x->e_feat;
    l->count++;
    return l->count >= every ? fg_loss_log_flush(l, seconds) : 0;
}

void fg_loss_log_close(fg_loss_log *l) {
    if (l->f) fclose(l->f);
    l->f = NULL;
}

/* ---- reading it back ------------------------------------------------------------ */

void fg_loss_table_free(fg_loss_table *t) {
    free(t->phase);
    free(t->step);
    for (int k = 0; k < 7; k++) free(t->cols[k]);
    memset(t, 0, sizeof *t);
}

int fg_loss_table_read(const char *path, fg_loss_table *t) {
    memset(t, 0, sizeof *t);
    char *text = fg_read_text(path);
    if (!text) return -1;
    int64_t rows = 0;
    for (const char *c = text; *c; c++) rows += *c == '\n';
    t->phase = malloc((size_t)(rows + 1) * sizeof *t->phase);
    t->step = malloc((size_t)(rows + 1) * sizeof *t->step);
    bool ok = t->phase && t->step;
    for (int k = 0; k < 7; k++) ok = (t->cols[k] = malloc((size_t)(rows + 1) * sizeof(double))) && ok;
    for (char *line = ok ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        long long step;
        int p = row_phase(line, &step);
        if (p < 0) continue;
        /* skip phase, epoch, step, seconds; then the seven loss fields, empty = NAN */
        char *f = line;
        for (int skip = 0; skip < 4 && f; skip++) f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
        for (int k = 0; k < 7; k++) {
            char *end = f;
            double v = f && *f && *f != ',' ? strtod(f, &end) : NAN;
            t->cols[k][t->n] = end == f ? NAN : v;
            f = f && strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
        }
        t->phase[t->n] = p;
        t->step[t->n++] = (double)step;
    }
    free(text);
    if (!ok) {
        fg_loss_table_free(t);
        return nb_error_set("%s: out of memory", path), -1;
    }
    return 0;
}
