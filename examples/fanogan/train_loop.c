/* train_loop.c — the epoch and batch loop both training phases run.
 *
 * Reproducibility: epoch e's batches come from a loader seeded by (seed, phase,
 * e), and the global RNG (noise z, gradient-penalty mixing, dropout) is seeded
 * again before every step from (seed, phase, step). So a run stopped at any
 * step and resumed from its checkpoint makes the same draws as one that never
 * stopped; resuming in the middle of an epoch skips the batches already done.
 *
 * Safety: a checkpoint is written at the end of an epoch when the last one is
 * SAVE_EVERY seconds old, at the end of training, and when Ctrl-C asks to
 * stop (at the next step boundary); a step whose loss is NaN, infinite or
 * beyond DIVERGED stops training without saving, so the last checkpoint stays
 * the last good state. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "train.h"

#define LOG_EVERY 10   /* steps per row of losses.csv */
#define DIVERGED 1e6   /* a loss this large means training has blown up */
#define SAVE_EVERY 60  /* seconds between checkpoints at epoch ends (compressing one takes a while) */
enum { STREAM_LOADER = 10, STREAM_STEP = 20 }; /* + phase */

nb_fanogan_config fg_config_from_options(const fg_options *o) {
    nb_fanogan_config c = nb_fanogan_config_defaults((nb_fanogan_arch)o->arch);
    c.image_size = o->img_size;
    c.channels = o->channels;
    c.latent_dim = o->latent;
    c.dim = o->dim;
    return c;
}

nb_adam_opts fg_adam(const fg_options *o) { return (nb_adam_opts){o->lr, 0.5, 0.999, 1e-8, 0}; }

int fg_trainer_data(fg_trainer *t) {
    if (fg_data_parse(t->o->data, &t->data) || !(t->train = fg_data_open(&t->data, true))) return -1;
    if (nb_dataset_size(t->train) < 1) return nb_error_set("the training set of --data %s is empty", t->o->data), -1;
    t->tf = fg_data_transform(&t->data, &t->st.model->cfg);
    return 0;
}

void fg_trainer_free(fg_trainer *t) {
    if (t->train) nb_dataset_free(t->train);
    nb_optim *opt[3] = {t->st.opt_d, t->st.opt_g, t->st.opt_e};
    for (int k = 0; k < 3; k++)
        if (opt[k]) nb_optim_free(opt[k]);
    if (t->st.model) nb_fanogan_free(t->st.model);
    if (t->step) nb_arena_free(t->step);
    if (t->keep) nb_arena_free(t->keep);
    memset(t, 0, sizeof *t);
}

int fg_trainer_sample_path(const fg_trainer *t, const char *kind, char *path, size_t size) {
    return fg_path(path, size, "%s/samples", t->o->out) || fg_mkdirs(path) ||
                   fg_path(path, size, "%s/samples/%s_epoch_%03lld.png", t->o->out, kind, t->pos.epoch) ? -1 : 0;
}

static int check_losses(const nb_fanogan_losses *l, long long step) {
    const double v[4] = {l->d_loss, l->g_loss, l->e_loss, l->wasserstein};
    const char *name[4] = {"critic", "generator", "encoder", "Wasserstein estimate"};
    for (int k = 0; k < 4; k++)
        if (!isfinite(v[k]) || fabs(v[k]) > DIVERGED)
            return nb_error_set("the %s loss reached %g at step %lld: training diverged (a lower --lr may help)",
                                name[k], v[k], step), -1;
    return 0;
}

static int save(fg_trainer *t) {
    if (fg_checkpoint_save(t->ckpt, &t->st, &t->pos)) return -1;
    t->saved = true;
    t->saved_at = fg_now();
    return 0;
}

/* The message of a stop: where the last good checkpoint is. */
static void explain_stop(fg_trainer *t) {
    char after[4400];
    if (t->saved)
        snprintf(after, sizeof after, "; training stopped, the last good checkpoint is %s", t->ckpt);
    else
        snprintf(after, sizeof after, "; training stopped before its first checkpoint");
    fg_error_reword("", after);
}

/* One epoch from batch t->pos.batch on; 1 when interrupted. */
static int run_epoch(fg_trainer *t, nb_loader *ld, int64_t per_epoch, nb_arena *batches, fg_loss_log *log,
                     fg_progress *p, double t0) {
    const fg_options *o = t->o;
    for (int64_t b = 0; b < per_epoch; b++) {
        nb_batch batch;
        nb_arena_reset(batches);
        nb_arena *prev = nb_arena_use(batches);
        int got = nb_loader_next(ld, &batch);
        nb_arena_use(prev);
        if (got != 1) return got == 0 ? nb_error_set("the loader ended an epoch early"), -1 : -1;
        if (b < t->pos.batch) continue; /* done before the checkpoint we resumed from */
        nb_seed(fg_mix_seed((uint64_t)o->seed, STREAM_STEP + t->phase, (uint64_t)t->pos.step));
        nb_fanogan_losses l = {0};
        bool g_step = false;
        if (t->run_step(t, batch.images, &l, &g_step) || check_losses(&l, t->pos.step)) return -1;
        t->pos.step++;
        t->pos.batch = b + 1;
        t->pos.seconds += fg_now() - t0;
        t0 = fg_now();
        if (fg_loss_log_add(log, t->pos.epoch + 1, t->pos.step, t->pos.seconds, &l, g_step, LOG_EVERY)) return -1;
        char status[160];
        t->status(&l, status, sizeof status);
        fg_progress_update(p, t->pos.epoch * per_epoch + b + 1, status);
        if (fg_interrupted()) return 1;
    }
    return 0;
}

int fg_trainer_run(fg_trainer *t) {
    const fg_options *o = t->o;
    int64_t n = nb_dataset_size(t->train), limit = o->max_train && o->max_train < n ? o->max_train : n;
    int64_t bs = o->batch < limit ? o->batch : limit, per_epoch = limit / bs;
    if (t->pos.batch >= per_epoch) t->pos.batch = 0, t->pos.epoch++; /* --batch or --max-train changed */
    if (t->pos.epoch >= t->epochs) {
        /* (and the losses log stays as it is: the next phase's rows are still valid) */
        fprintf(stderr, "fanogan: %s: training already done (%lld of %d epochs)\n", t->ckpt, t->pos.epoch, t->epochs);
        return 0;
    }
    fg_loss_log log;
    if (fg_loss_log_open(&log, o, t->phase, t->saved ? t->pos.step : -1)) return -1;
    fg_progress p;
    fg_progress_start(&p, t->phase == PHASE_GAN ? "gan" : "encoder", t->epochs * per_epoch,
                      t->pos.epoch * per_epoch + t->pos.batch);
    nb_arena *batches = nb_arena_new();
    t->saved_at = fg_now();
    fg_interrupt_install();
    int rc = 0;
    while (!rc && t->pos.epoch < t->epochs) {
        uint64_t seed = fg_mix_seed((uint64_t)o->seed, STREAM_LOADER + t->phase, (uint64_t)t->pos.epoch);
        nb_loader *ld = nb_loader_new(t->train, &t->tf, (nb_loader_opts){bs, true, true, seed, false});
        rc = ld ? run_epoch(t, ld, per_epoch, batches, &log, &p, fg_now()) : -1;
        if (ld) nb_loader_free(ld);
        if (rc) break;
        t->pos.epoch++;
        t->pos.batch = 0;
        bool due = t->pos.epoch == t->epochs || fg_now() - t->saved_at >= SAVE_EVERY;
        rc = fg_loss_log_flush(&log, t->pos.seconds) || t->end_epoch(t) || (due && save(t)) ? -1 : 0;
    }
    fg_interrupt_remove();
    char status[160] = "";
    if (rc == 1) {
        /* Ctrl-C: keep what was done */
        if (fg_loss_log_flush(&log, t->pos.seconds) || save(t))
            rc = -1;
        else
            nb_error_set("interrupted at epoch %lld, batch %lld (step %lld); saved %s; continue with "
                         "fanogan %s --out %s --resume", t->pos.epoch + 1, t->pos.batch, t->pos.step, t->ckpt,
                         fg_command_name(o->cmd), o->out);
    } else if (rc) {
        explain_stop(t);
    }
    snprintf(status, sizeof status, "%lld steps, %.0f s of training", t->pos.step, t->pos.seconds);
    fg_progress_end(&p, status);
    fg_loss_log_close(&log);
    nb_arena_free(batches);
    return rc ? -1 : 0;
}
