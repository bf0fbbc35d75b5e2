/* fanogan_internal.h — what the f-AnoGAN files share: the network kinds the
 * architectures are built from and the builders of each architecture. */
#ifndef NB_FANOGAN_INTERNAL_H
#define NB_FANOGAN_INTERNAL_H

#include "nb_fanogan.h"
#include "nb_internal.h"

/* The three networks of one architecture, each a finished module tree. */
typedef struct {
    nb_module *generator, *discriminator, *encoder;
} fanogan_nets;

/* Settings of the port's network classes (Generator, Discriminator, Encoder):
 * a Generator runs its first `split` children, views the result as
 * [N, shape...] and runs the rest; a Discriminator or Encoder optionally
 * flattens its input, runs its first `split` children (the trunk), flattens,
 * and runs the rest (the head). D's features are the flattened trunk output. */
typedef struct {
    int split;
    bool flatten_input;
    int ndim; /* Generator: the per-sample shape after the view */
    int64_t shape[3];
} fanogan_net_cfg;

typedef enum { FANOGAN_GENERATOR, FANOGAN_DISCRIMINATOR, FANOGAN_ENCODER } fanogan_role;

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

/* Stores the three networks in out (0), or frees those given and fails (-1)
 * when one is missing. */
int fanogan_finish(fanogan_nets *out, nb_module *g, nb_module *d, nb_module *e);
/* Whether x is a batch of the model's images, [N, C, s, s]; if not (or x is
 * NULL), records an error naming fn unless one is pending. */
bool fanogan_images_ok(const nb_fanogan *m, const char *fn, const nb_tensor *x);
/* Builders: 0, or -1 with nb_error() set and nothing left allocated. */
int fanogan_build_dcgan(const nb_fanogan_config *c, fanogan_nets *out);
int fanogan_build_mlp(const nb_fanogan_config *c, fanogan_nets *out);
int fanogan_build_resnet(const nb_fanogan_config *c, fanogan_nets *out);

#endif
