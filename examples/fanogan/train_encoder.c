/* train_encoder.c — `fanogan train-encoder`: phase 2, the encoder E trained
 * with the finished GAN of OUT/gan.npz frozen (izif: pixels and critic
 * features of G(E(x)) against x; izi: pixels; ziz: E(G(z)) against z),
 * checkpointed to OUT/encoder.npz (which then holds all three networks), with
 * input | reconstruction | difference of a few training images after every
 * epoch in OUT/samples/. */
#include <stdio.h>
#include <string.h>
#include "train.h"

#define N_SHOWN 8

typedef struct {
    nb_fanogan_train_opts train;
    nb_tensor *shown; /* [k,C,H,W] training images reconstructed after each epoch */
} enc_ctx;

static int enc_step(fg_trainer *t, nb_tensor *x, nb_fanogan_losses *l, bool *g_step) {
    enc_ctx *c = t->ctx;
    *g_step = false;
    return nb_fanogan_encoder_step(t->st.model, t->st.opt_e, x, &c->train, t->step, t->pos.step, l);
}

static void enc_status(const nb_fanogan_losses *l, char *buf, size_t size) {
    snprintf(buf, size, "E %.4f  (pixels %.4f  features %.4f)", l->e_loss, l->e_img, l->e_feat);
}

/* OUT/samples/encoder_epoch_NNN.png */
static int enc_samples(fg_trainer *t) {
    enc_ctx *c = t->ctx;
    char path[4300];
    if (fg_trainer_sample_path(t, "encoder", path, sizeof path)) return -1;
    nb_arena *prev = nb_arena_use(t->step);
    nb_fanogan_score_opts so = nb_fanogan_score_defaults();
    nb_fanogan_scores s;
    int rc = nb_fanogan_score(t->st.model, c->shown, &so, &s);
    int64_t k = c->shown->shape[0];
    nb_tensor *in[N_SHOWN], *rec[N_SHOWN];
    for (int64_t i = 0; !rc && i < k; i++) {
        in[i] = fg_item(c->shown, i);
        rec[i] = fg_item(s.reconstruction, i);
    }
    nb_image grid = {0};
    if (!rc) rc = nb_comparison_grid((int)k, in, rec, 0, &grid);
    if (!rc) rc = fg_write_view(path, &grid, t->st.model->cfg.image_size);
    if (grid.pixels) nb_image_free(&grid);
    nb_arena_reset(t->step);
    nb_arena_use(prev);
    return rc;
}

/* The finished GAN's checkpoint must be there before the encoder can learn. */
static int gan_ready(const fg_options *o, char *path, size_t size, nb_fanogan_config *cfg) {
    fg_checkpoint_path(o, PHASE_GAN, path, size);
    fg_position p;
    if (!fg_file_exists(path))
        return nb_error_set("%s has no trained GAN (%s): run fanogan train-gan --out %s first", o->out, path, o->out),
               -1;
    if (fg_checkpoint_peek(path, cfg, &p)) return -1;
    if (p.phase != PHASE_GAN || p.batch || p.epoch < o->gan_epochs)
        return nb_error_set("the GAN training in %s is unfinished (%lld of %d epochs): finish it with "
                            "fanogan train-gan --out %s --resume", o->out, p.epoch, o->gan_epochs, o->out), -1;
    return 0;
}

static int enc_setup(fg_trainer *t, const fg_options *o) {
    char gan[4200];
    nb_fanogan_config cfg;
    if (gan_ready(o, gan, sizeof gan, &cfg)) return -1;
    fg_checkpoint_path(o, PHASE_ENCODER, t->ckpt, sizeof t->ckpt);
    bool resume = o->resume && fg_file_exists(t->ckpt);
    if (o->resume && !resume) fprintf(stderr, "fanogan: no %s to resume from: starting anew\n", t->ckpt);
    nb_seed((uint64_t)o->seed);
    if (!(t->st.model = nb_fanogan_new(&cfg))) return -1;
    t->st.opt_e = nb_Adam(nb_module_parameters(t->st.model->encoder), fg_adam(o));
    if (!t->st.opt_e) return -1;
    t->pos = (fg_position){PHASE_ENCODER, 0, 0, 0, 0};
    if (!resume) {
        fg_position gp;
        return fg_checkpoint_load(gan, &(fg_state){t->st.model, NULL, NULL, NULL}, &gp);
    }
    if (fg_checkpoint_load(t->ckpt, &t->st, &t->pos)) return -1;
    if (t->pos.phase != PHASE_ENCODER) return nb_error_set("%s is not an encoder checkpoint", t->ckpt), -1;
    nb_optim_set_lr(t->st.opt_e, o->lr);
    t->saved = true;
    fprintf(stderr, "fanogan: resuming the encoder from %s at epoch %lld, step %lld\n", t->ckpt, t->pos.epoch + 1,
            t->pos.step);
    return 0;
}

/* The first few training images, shown reconstructed after each epoch. */
static nb_tensor *shown_images(fg_trainer *t) {
    const nb_fanogan_config *c = &t->st.model->cfg;
    int64_t k = nb_dataset_size(t->train) < N_SHOWN ? nb_dataset_size(t->train) : N_SHOWN;
    nb_arena *prev = nb_arena_use(t->keep);
    nb_tensor *x = nb_tensor_new(NB_SHAPE(k, c->channels, c->image_size, c->image_size));
    for (int64_t i = 0; x && i < k; i++)
        if (fg_load_into(t->train, i, NULL, &t->tf, x, i, NULL)) x = NULL;
    nb_arena_use(prev);
    return x;
}

int fg_train_encoder(const fg_options *o) {
    enc_ctx c = {nb_fanogan_train_defaults(), NULL};
    c.train.kappa = o->kappa;
    c.train.encoder_mode = (nb_fanogan_encoder_mode)o->encoder_mode;
    fg_trainer t = {.o = o, .phase = PHASE_ENCODER, .epochs = o->encoder_epochs, .run_step = enc_step,
                    .end_epoch = enc_samples, .status = enc_status, .ctx = &c};
    t.step = nb_arena_new();
    t.keep = nb_arena_new();
    int rc = enc_setup(&t, o) || fg_trainer_data(&t) || !(c.shown = shown_images(&t)) ? -1 : 0;
    if (!rc) {
        fprintf(stderr, "fanogan: encoder phase (%s): %lld training images, %d epochs\n",
                nb_fanogan_encoder_mode_name(c.train.encoder_mode), (long long)nb_dataset_size(t.train),
                o->encoder_epochs);
        rc = fg_trainer_run(&t);
    }
    fg_trainer_free(&t);
    return rc;
}
