/* norm.c — normalization layers (torch.nn): BatchNorm1d, BatchNorm2d and
 * LayerNorm, with learnable weight (ones) and bias (zeros).
 *
 * BatchNorm keeps buffers running_mean (zeros), running_var (ones) and
 * num_batches_tracked; in training mode it normalizes with the batch's
 * statistics and nb_batch_norm updates the running ones in place,
 *     running = (1 - momentum) running + momentum batch_stat
 * (unbiased variance); in eval mode it normalizes with the running ones. */
#include "nb_models.h"

typedef struct {
    double eps, momentum;
    int ndim; /* of the input: 4 for 2d; 2 (or 3, [N,C,L]) for 1d */
} bn_cfg;

static nb_tensor *bn_forward(nb_module *m, nb_tensor *x) {
    const bn_cfg *c = m->cfg;
    char s[96];
    bool ok = c->ndim == 4 ? x->ndim == 4 : (x->ndim == 2 || x->ndim == 3);
    if (!ok)
        return nb_error_set("%s: expects %s input, got %s", m->kind->name,
                            c->ndim == 4 ? "[N,C,H,W]" : "[N,C] or [N,C,L]", nb_shape_str(x, s));
    /* [N,C,L] is normalized as [N,C,L,1] */
    nb_tensor *x4 = x->ndim == 3 ? nb_reshape(x, NB_SHAPE(x->shape[0], x->shape[1], x->shape[2], 1)) : x;
    nb_tensor *y = nb_batch_norm(x4, nb_module_param(m, "weight"), nb_module_param(m, "bias"),
                                 nb_module_buffer(m, "running_mean"), nb_module_buffer(m, "running_var"),
                                 m->training, c->momentum, c->eps);
    if (y && m->training) nb_module_buffer(m, "num_batches_tracked")->data[0] += 1;
    return x->ndim == 3 ? nb_reshape(y, x->ndim, x->shape) : y;
}

static void bn_reset(nb_module *m) {
    nb_init_constant(nb_module_param(m, "weight"), 1);
    nb_init_constant(nb_module_param(m, "bias"), 0);
    nb_init_constant(nb_module_buffer(m, "running_mean"), 0);
    nb_init_constant(nb_module_buffer(m, "running_var"), 1);
    nb_init_constant(nb_module_buffer(m, "num_batches_tracked"), 0);
}

static void bn_describe(const nb_module *m, char *buf, size_t size) {
    const bn_cfg *c = m->cfg;
    nb_describef(buf, size, "%lld, eps=%g, momentum=%g, affine=True, track_running_stats=True",
                 (long long)nb_module_param(m, "weight")->numel, c->eps, c->momentum);
}

static const nb_layer_kind bn1d_kind = {"BatchNorm1d", bn_forward, bn_describe, bn_reset};
static const nb_layer_kind bn2d_kind = {"BatchNorm2d", bn_forward, bn_describe, bn_reset};

static nb_module *bn_new(const nb_layer_kind *kind, int64_t channels, double eps, double momentum) {
    if (channels <= 0 || !(eps >= 0) || !(momentum >= 0 && momentum <= 1))
        return nb_error_set("%s: channels %lld must be positive, eps %g non-negative, momentum %g "
                            "in [0, 1]",
                            kind->name, (long long)channels, eps, momentum);
    nb_module *m = nb_module_new(kind, sizeof(bn_cfg));
    if (m) *(bn_cfg *)m->cfg = (bn_cfg){eps, momentum, kind == &bn2d_kind ? 4 : 2};
    nb_module_add_param(m, "weight", NB_SHAPE(channels));
    nb_module_add_param(m, "bias", NB_SHAPE(channels));
    nb_module_add_buffer(m, "running_mean", NB_SHAPE(channels));
    nb_module_add_buffer(m, "running_var", NB_SHAPE(channels));
    nb_module_add_buffer(m, "num_batches_tracked", 0, NULL);
    return nb_module_ready(m);
}

nb_module *nb_BatchNorm1d(int64_t channels, double eps, double momentum) {
    return bn_new(&bn1d_kind, channels, eps, momentum);
}

nb_module *nb_BatchNorm2d(int64_t channels, double eps, double momentum) {
    return bn_new(&bn2d_kind, channels, eps, momentum);
}

/* LayerNorm: normalizes each sample over its trailing dims (the shape given),
 * y = (x - mean) / sqrt(var + eps) * weight + bias */
typedef struct {
    double eps;
    int ndim;
} ln_cfg;

static nb_tensor *ln_forward(nb_module *m, nb_tensor *x) {
    const ln_cfg *c = m->cfg;
    return nb_layer_norm(x, c->ndim, nb_module_param(m, "weight"), nb_module_param(m, "bias"), c->eps);
}

static void ln_reset(nb_module *m) {
    nb_init_constant(nb_module_param(m, "weight"), 1);
    nb_init_constant(nb_module_param(m, "bias"), 0);
}

static void ln_describe(const nb_module *m, char *buf, size_t size) {
    const nb_tensor *w = nb_module_param(m, "weight");
    nb_describef(buf, size, "(");
    for (int d = 0; d < w->ndim; d++) nb_describef(buf, size, d ? ", %lld" : "%lld", (long long)w->shape[d]);
    nb_describef(buf, size, "%s), eps=%g, elementwise_affine=True", w->ndim == 1 ? "," : "",
                 ((const ln_cfg *)m->cfg)->eps);
}

static const nb_layer_kind ln_kind = {"LayerNorm", ln_forward, ln_describe, ln_reset};

nb_module *nb_LayerNorm(int ndim, const int64_t *shape, double eps) {
    if (ndim < 1 || ndim > NB_MAX_DIMS - 1 || !shape || !(eps >= 0))
        return nb_error_set("LayerNorm: needs a shape of 1 to %d dims and eps >= 0", NB_MAX_DIMS - 1);
    nb_module *m = nb_module_new(&ln_kind, sizeof(ln_cfg));
    if (m) *(ln_cfg *)m->cfg = (ln_cfg){eps, ndim};
    nb_module_add_param(m, "weight", ndim, shape);
    nb_module_add_param(m, "bias", ndim, shape);
    return nb_module_ready(m);
}
