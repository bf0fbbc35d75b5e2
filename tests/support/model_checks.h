/* model_checks.h — assertions shared by the tests of layers and optimizers. */
#ifndef MODEL_CHECKS_H
#define MODEL_CHECKS_H

#include "nb_models.h"

/* l holds exactly the n names want, in that order */
void tu_assert_names(const nb_named_tensors *l, int n, const char *const *want);
/* mean and (biased) standard deviation of t's elements */
void tu_mean_std(const nb_tensor *t, double *mean, double *std);
/* nb_module_print(m) prints exactly want */
void tu_assert_prints(const nb_module *m, const char *want);

#endif
