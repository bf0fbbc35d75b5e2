/* linear.c — Linear (torch.nn.Linear): y = x W^T + b, W [out, in], b [out],
 * initialized as PyTorch does, both U(-1/sqrt(in), 1/sqrt(in)).
 * Also the model of a layer kind: a kind, its forward, and a constructor. */
#include "nb_models.h"

static nb_tensor *linear_forward(nb_module *m, nb_tensor *x) {
    return nb_linear(x, nb_module_param(m, "weight"), nb_module_param(m, "bias"));
}

static void linear_reset(nb_module *m) {
    nb_init_default(nb_module_param(m, "weight"), nb_module_param(m, "bias"));
}

static void linear_describe(const nb_module *m, char *buf, size_t size) {
    const nb_tensor *w = nb_module_param(m, "weight");
    snprintf(buf, size, "in_features=%lld, out_features=%lld, bias=%s", (long long)w->shape[1],
             (long long)w->shape[0], nb_module_param(m, "bias") ? "True" : "False");
}

static const nb_layer_kind linear_kind = {"Linear", linear_forward, linear_describe, linear_reset};

nb_module *nb_Linear(int64_t in, int64_t out, bool bias) {
    if (in <= 0 || out <= 0)
        return nb_error_set("Linear: in_features %lld and out_features %lld must be positive",
                            (long long)in, (long long)out);
    nb_module *m = nb_module_new(&linear_kind, 0);
    nb_module_add_param(m, "weight", NB_SHAPE(out, in));
    if (bias) nb_module_add_param(m, "bias", NB_SHAPE(out));
    return nb_module_ready(m);
}
