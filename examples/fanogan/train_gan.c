/* train_gan.c — `fanogan train-gan`: phase 1, the WGAN-GP generator and
 * critic on the normal training images (n_critic critic steps per generator
 * step), checkpointed to OUT/gan.npz, with a grid of generated samples after
 * every epoch in OUT/samples/ (the same z each time, so epochs compare). */
#include <stdio.h>
#include <string.h>
#include "train.h"

#define SAMPLE_ROWS 8
enum { STREAM_SAMPLES = 1 };

typedef struct {
    nb_fanogan_train_opts train;
    nb_tensor *z;  /* the fixed latent vectors of the sample grids */
    double last_g; /* the last generator loss, shown between generator steps */
} gan_ctx;

static int gan_step(fg_trainer *t, nb_tensor *x, nb_fanogan_losses *l, bool *g_step) {
    gan_ctx *c = t->ctx;
    nb_fanogan *m = t->st.model;
    if (nb_fanogan_critic_step(m, t->st.opt_d, x, &c->train, t->step, t->pos.step, l)) return -1;
    *g_step = t->pos.step % c->train.n_critic == 0;
    if (*g_step && nb_fanogan_generator_step(m, t->st.opt_g, x->shape[0], &c->train, t->step, t->pos.step, l))
        return -1;
    if (*g_step) c->last_g = l->g_loss;
    l->g_loss = c->last_g; /* the log averages it over generator steps only */
    return 0;
}

static void gan_status(const nb_fanogan_losses *l, char *buf, size_t size) {
    snprintf(buf, size, "D %.3f  W %.3f  GP %.3f  G %.3f", l->d_loss, l->wasserstein, l->gp, l->g_loss);
}

/* OUT/samples/gan_epoch_NNN.png: G(z) for the fixed z, generator in eval mode. */
static int gan_samples(fg_trainer *t) {
    gan_ctx *c = t->ctx;
    nb_fanogan *m = t->st.model;
    char path[4300];
    if (fg_trainer_sample_path(t, "gan", path, sizeof path)) return -1;
    nb_arena *prev = nb_arena_use(t->step);
    bool grad = nb_set_grad_enabled(false), was = m->generator->training;
    nb_module_train(m->generator, false);
    nb_tensor *g = nb_fanogan_generate(m, c->z);
    nb_module_train(m->generator, was);
    nb_set_grad_enabled(grad);
    nb_image cells[SAMPLE_ROWS * SAMPLE_ROWS] = {{0}}, grid = {0};
    int n = 0, rc = g ? 0 : -1;
    for (; !rc && n < SAMPLE_ROWS * SAMPLE_ROWS; n++) rc = nb_tensor_to_image(g, n, -1, 1, &cells[n]);
    if (!rc) rc = nb_image_grid(cells, SAMPLE_ROWS, SAMPLE_ROWS, 2, &grid);
    if (!rc) rc = fg_write_png(path, &grid);
    for (int i = 0; i < n; i++) nb_image_free(&cells[i]);
    if (grid.pixels) nb_image_free(&grid);
    nb_arena_reset(t->step);
    nb_arena_use(prev);
    return rc;
}

/* The model and optimizers, fresh or from OUT/gan.npz with --resume. */
static int gan_setup(fg_trainer *t, const fg_options *o) {
    fg_checkpoint_path(o, PHASE_GAN, t->ckpt, sizeof t->ckpt);
    nb_fanogan_config cfg = fg_config_from_options(o);
    bool resume = o->resume && fg_file_exists(t->ckpt);
    if (o->resume && !resume) fprintf(stderr, "fanogan: no %s to resume from: starting anew\n", t->ckpt);
    nb_seed((uint64_t)o->seed);
    if (!(t->st.model = nb_fanogan_new(&cfg))) return -1;
    nb_fanogan *m = t->st.model;
    t->st.opt_d = nb_Adam(nb_module_parameters(m->discriminator), fg_adam(o));
    t->st.opt_g = nb_Adam(nb_module_parameters(m->generator), fg_adam(o));
    if (!t->st.opt_d || !t->st.opt_g) return -1;
    t->pos = (fg_position){PHASE_GAN, 0, 0, 0, 0};
    if (resume) {
        if (fg_checkpoint_load(t->ckpt, &t->st, &t->pos)) return -1;
        if (t->pos.phase != PHASE_GAN) return nb_error_set("%s is not a GAN checkpoint", t->ckpt), -1;
        /* the learning rate may change on resume */
        nb_optim_set_lr(t->st.opt_d, o->lr);
        nb_optim_set_lr(t->st.opt_g, o->lr);
        t->saved = true;
        fprintf(stderr, "fanogan: resuming the GAN from %s at epoch %lld, step %lld\n", t->ckpt, t->pos.epoch + 1,
                t->pos.step);
    }
    return 0;
}

/* A GAN that trains on (fresh, or resumed for more epochs) makes the encoder
 * trained against the old one meaningless, and encoder.npz holds that old G
 * and D, which score would go on using: remove it. */
static void drop_stale_encoder(const fg_options *o) {
    char path[4200];
    fg_checkpoint_path(o, PHASE_ENCODER, path, sizeof path);
    if (fg_file_exists(path) && remove(path) == 0)
        fprintf(stderr, "fanogan: removed %s, trained with the previous GAN\n", path);
}

int fg_train_gan(const fg_options *o) {
    gan_ctx c = {nb_fanogan_train_defaults(), NULL, 0};
    c.train.lambda_gp = o->lambda_gp;
    c.train.n_critic = o->n_critic;
    fg_trainer t = {.o = o, .phase = PHASE_GAN, .epochs = o->gan_epochs, .run_step = gan_step,
                    .end_epoch = gan_samples, .status = gan_status, .ctx = &c};
    t.step = nb_arena_new();
    t.keep = nb_arena_new();
    int rc = gan_setup(&t, o) || fg_trainer_data(&t) ? -1 : 0;
    if (!rc) {
        nb_arena *prev = nb_arena_use(t.keep);
        nb_seed(fg_mix_seed((uint64_t)o->seed, STREAM_SAMPLES, 0));
        c.z = nb_fanogan_sample_z(t.st.model, SAMPLE_ROWS * SAMPLE_ROWS, NB_FANOGAN_Z_NORMAL);
        nb_arena_use(prev);
        fprintf(stderr, "fanogan: GAN phase: %s %dx%dx%d, latent %d, %lld training images, %d epochs\n",
                nb_fanogan_arch_name(t.st.model->cfg.arch), t.st.model->cfg.image_size, t.st.model->cfg.image_size,
                t.st.model->cfg.channels, t.st.model->cfg.latent_dim, (long long)nb_dataset_size(t.train),
                o->gan_epochs);
        if (t.pos.epoch < t.epochs) drop_stale_encoder(o);
        rc = c.z ? fg_trainer_run(&t) : -1;
    }
    fg_trainer_free(&t);
    return rc;
}
