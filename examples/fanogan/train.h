/* train.h — what the two training phases share (train_loop.c): the epoch and
 * batch loop with per-step seeding, the losses log, progress, checkpoints at
 * each epoch's end and on Ctrl-C, and the stop on a NaN or diverging loss.
 * train_gan.c and train_encoder.c give it their model, optimizers and step. */
#ifndef FANOGAN_TRAIN_H
#define FANOGAN_TRAIN_H

#include "tool.h"

typedef struct fg_trainer fg_trainer;
struct fg_trainer {
    const fg_options *o;
    fg_phase phase;
    int epochs;      /* to reach */
    fg_state st;     /* the model and this phase's optimizers */
    fg_position pos; /* where training stands (loaded on --resume) */
    bool saved;      /* a checkpoint of this phase exists */
    double saved_at; /* when it was last written (fg_now) */
    char ckpt[4200];
    fg_data data;
    nb_dataset *train;
    nb_transform tf;
    nb_arena *step, *keep; /* per step; for the phase's own tensors */
    /* one training step on batch x: fills l, sets *g_step when the generator stepped */
    int (*run_step)(fg_trainer *t, nb_tensor *x, nb_fanogan_losses *l, bool *g_step);
    /* after each epoch: images for the eye (samples, reconstructions) */
    int (*end_epoch)(fg_trainer *t);
    /* the losses of the progress line */
    void (*status)(const nb_fanogan_losses *l, char *buf, size_t size);
    void *ctx;
};

/* Opens the training data and sets t->data, train, tf (the model's config
 * must be known: t->st.model). */
int fg_trainer_data(fg_trainer *t);
/* The loop from t->pos to t->epochs epochs. */
int fg_trainer_run(fg_trainer *t);
void fg_trainer_free(fg_trainer *t);
/* OUT/samples/<kind>_epoch_NNN.png for the epoch just done, its folder made. */
int fg_trainer_sample_path(const fg_trainer *t, const char *kind, char *path, size_t size);
nb_adam_opts fg_adam(const fg_options *o);

#endif
