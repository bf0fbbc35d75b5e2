/* model_checks.h — assertions and small models shared by the tests of layers,
 * optimizers and models. */
#ifndef MODEL_CHECKS_H
#define MODEL_CHECKS_H

#include "nb_fanogan.h"
#include "nb_models.h"

/* l holds exactly the n names want, in that order */
void tu_assert_names(const nb_named_tensors *l, int n, const char *const *want);
/* a and b hold as many tensors, each pair bit-for-bit equal */
void tu_assert_same_tensors(const nb_named_tensors *a, const nb_named_tensors *b);
/* mean and (biased) standard deviation of t's elements */
void tu_mean_std(const nb_tensor *t, double *mean, double *std);
/* nb_module_print(m) prints exactly want */
void tu_assert_prints(const nb_module *m, const char *want);

/* A small f-AnoGAN configuration: the architecture's defaults with the given
 * image size, channels and latent size, and resnet width 2. */
nb_fanogan_config tu_fanogan_config(nb_fanogan_arch arch, int size, int channels, int latent);
/* nb_fanogan_new of that configuration, asserted to succeed */
nb_fanogan *tu_fanogan_tiny(nb_fanogan_arch arch, int size, int channels, int latent);

#endif
