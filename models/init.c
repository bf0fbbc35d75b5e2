/* init.c — initial values of parameters, drawn from the global seeded RNG in
 * index order: the fills, PyTorch's defaults for Linear and convolutions, and
 * the DCGAN initialization applied over a model. */
#include <math.h>
#include <string.h>
#include "nb_models.h"

void nb_init_uniform(nb_tensor *t, double lo, double hi) {
    for (int64_t i = 0; t && i < t->numel; i++) t->data[i] = (nb_real)(lo + (hi - lo) * nb_rand_uniform());
}

void nb_init_normal(nb_tensor *t, double mean, double std) {
    for (int64_t i = 0; t && i < t->numel; i++) t->data[i] = (nb_real)(mean + std * nb_rand_normal());
}

void nb_init_constant(nb_tensor *t, double value) {
    for (int64_t i = 0; t && i < t->numel; i++) t->data[i] = (nb_real)value;
}

/* torch.nn.init._calculate_fan_in_and_fan_out: a weight [a, b, k...] feeds each
 * output from b * prod(k) inputs. For ConvTranspose2d's [in, out/groups, k, k]
 * that is out/groups * k * k, as PyTorch computes it. */
int64_t nb_fan_in(const nb_tensor *t) {
    if (!t || t->ndim < 2) return 0;
    int64_t fan = t->shape[1];
    for (int d = 2; d < t->ndim; d++) fan *= t->shape[d];
    return fan;
}

/* kaiming_uniform_(w, a) draws U(-b, b) with b = gain * sqrt(3 / fan_in) and
 * gain = sqrt(2 / (1 + a^2)); PyTorch's layers use a = sqrt(5), so b = 1/sqrt(fan_in).
 * Their bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too. */
void nb_init_default(nb_tensor *weight, nb_tensor *bias) {
    const double a = sqrt(5.0);
    int64_t fan = nb_fan_in(weight);
    double wb = fan > 0 ? sqrt(2.0 / (1 + a * a)) * sqrt(3.0 / (double)fan) : 0;
    double bb = fan > 0 ? 1 / sqrt((double)fan) : 0;
    nb_init_uniform(weight, -wb, wb);
    nb_init_uniform(bias, -bb, bb);
}

/* The weights_init of the DCGAN paper's code, which matches class names as
 * PyTorch's version does: "Conv" in the name (Conv2d, ConvTranspose2d) and
 * "BatchNorm" (1d and 2d). */
static void dcgan_one(nb_module *m, void *ctx) {
    (void)ctx;
    if (strstr(m->kind->name, "Conv")) {
        nb_init_normal(nb_module_param(m, "weight"), 0, 0.02);
    } else if (strstr(m->kind->name, "BatchNorm")) {
        nb_init_normal(nb_module_param(m, "weight"), 1, 0.02);
        nb_init_constant(nb_module_param(m, "bias"), 0);
    }
}

void nb_init_dcgan(nb_module *m) { nb_module_apply(m, dcgan_one, NULL); }
