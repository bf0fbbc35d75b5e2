/* optim_internal.h — what an optimizer kind provides and what every optimizer
 * shares. An optimizer kind is its settings, the names of its per-parameter
 * state tensors and an update of one parameter; optim/optimizer.c does the rest. */
#ifndef NB_OPTIM_INTERNAL_H
#define NB_OPTIM_INTERNAL_H

#include "nb_internal.h"
#include "nb_optim.h"

#define NB_OPTIM_MAX_SLOTS 2

typedef struct {
    const char *name;
    /* Updates p in place from p->grad and the parameter's state tensors
     * (zeros before its first step); t is its step count, from 1. */
    void (*update)(const nb_optim *o, nb_tensor *p, nb_tensor *const *slots, int64_t t);
} nb_optim_kind;

struct nb_optim {
    const nb_optim_kind *kind;
    nb_arena *arena; /* owns the optimizer and its state */
    double lr;
    union {
        nb_adam_opts adam;
        nb_sgd_opts sgd;
    } opts;
    int n, n_slots;
    nb_tensor **params; /* borrowed from the model, which must outlive the optimizer */
    nb_tensor **steps;  /* per parameter, 0-dim */
    nb_tensor **slots;  /* n_slots per parameter, shaped like it */
    nb_named_tensors state;
};

/* An optimizer of the given kind over params with per-parameter state tensors
 * named slot_names[0..n_slots). The caller sets o->opts. */
nb_optim *nb_optim_new(const nb_optim_kind *kind, const nb_named_tensors *params, double lr,
                       int n_slots, const char *const *slot_names);

#endif
