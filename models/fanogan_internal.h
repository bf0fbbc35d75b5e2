/* fanogan_internal.h — what the f-AnoGAN files share: the network kinds the
 * architectures are built from and the builders of each architecture. */
#ifndef NB_FANOGAN_INTERNAL_H
#define NB_FANOGAN_INTERNAL_H

#include "nb_fanogan.h"
#include "nb_internal.h"

/* Settings of the port's network classes (Generator, Discriminator, Encoder):
 * a Generator runs its first `split` children, views the result as
 * [N, C, H, W] with [C, H, W] = shape and runs the rest; a Discriminator or
 * Encoder optionally flattens its input, runs its first `split` children (the
 * trunk), flattens, and runs the rest (the head). D's features are the
 * flattened trunk output. */
typedef struct {
    int split;
    bool flatten_input;
    int64_t shape[3]; /* Generator only */
} fanogan_net_cfg;

typedef enum { FANOGAN_GENERATOR, FANOGAN_DISCRIMINATOR, FANOGAN_ENCODER } fanogan_role;

/* How an architecture builds its networks: the Generator, and the
 * Discriminator or Encoder by role; each NULL with nb_error() set on failure
 * (nb_fanogan_new builds G, D, E in that order under one root). */
typedef struct {
    nb_module *(*generator)(const nb_fanogan_config *c);
    nb_module *(*critic)(fanogan_role role, const nb_fanogan_config *c);
} fanogan_builders;
extern const fanogan_builders fanogan_dcgan; /* dcgan and dcgan-t */
extern const fanogan_builders fanogan_mlp, fanogan_resnet;

/* A new module of the kind, with a copy of cfg as its settings and the named
 * children; takes ownership of the children (all freed if any is NULL or the
 * module cannot be made). */
nb_module *fanogan_compose(const nb_layer_kind *kind, const void *cfg, size_t cfg_bytes, int n,
                           const char *const *names, nb_module *const *children);
/* A network of the given role with named children; takes ownership of the
 * children (all freed if any is NULL or the network cannot be made). */
nb_module *fanogan_net(fanogan_role role, fanogan_net_cfg cfg, int n, const char *const *names,
                       nb_module *const *children);
/* The flattened trunk output of a Discriminator (or Encoder). */
nb_tensor *fanogan_trunk(nb_module *net, nb_tensor *x);

/* Whether x is a batch of the model's images, [N, C, s, s]; if not (or x is
 * NULL), records an error naming fn unless one is pending. */
bool fanogan_images_ok(const nb_fanogan *m, const char *fn, const nb_tensor *x);

#endif
