/* shape.c — layers that only change the shape: Flatten ([N, ...] -> [N, rest])
 * and Reshape (x.view(N, shape...), the per-sample shape given). Both are views. */
#include "nb_models.h"

static nb_tensor *flatten_forward(nb_module *m, nb_tensor *x) {
    (void)m;
    return nb_flatten(x);
}

static void flatten_describe(const nb_module *m, char *buf, size_t size) {
    (void)m;
    nb_describef(buf, size, "start_dim=1, end_dim=-1");
}

static const nb_layer_kind flatten_kind = {"Flatten", flatten_forward, flatten_describe, NULL};

nb_module *nb_Flatten(void) { return nb_module_ready(nb_module_new(&flatten_kind, 0)); }

typedef struct {
    int ndim; /* of the whole result, batch dim included */
    int64_t shape[NB_MAX_DIMS];
} reshape_cfg;

static nb_tensor *reshape_forward(nb_module *m, nb_tensor *x) {
    reshape_cfg c = *(const reshape_cfg *)m->cfg;
    c.shape[0] = x->ndim ? x->shape[0] : 1;
    return nb_reshape(x, c.ndim, c.shape);
}

static void reshape_describe(const nb_module *m, char *buf, size_t size) {
    const reshape_cfg *c = m->cfg;
    nb_describef(buf, size, "-1");
    for (int d = 1; d < c->ndim; d++) nb_describef(buf, size, ", %lld", (long long)c->shape[d]);
}

static const nb_layer_kind reshape_kind = {"Reshape", reshape_forward, reshape_describe, NULL};

nb_module *nb_Reshape(int ndim, const int64_t *shape) {
    if (ndim < 1 || ndim >= NB_MAX_DIMS || !shape)
        return nb_error_set("Reshape: a sample shape of 1 to %d dims, not %d", NB_MAX_DIMS - 1, ndim);
    int unknown = 0;
    for (int d = 0; d < ndim; d++)
        if ((shape[d] == -1 && ++unknown > 1) || shape[d] == 0 || shape[d] < -1)
            return nb_error_set("Reshape: sizes must be positive, with at most one -1");
    nb_module *m = nb_module_new(&reshape_kind, sizeof(reshape_cfg));
    if (m) {
        reshape_cfg *c = m->cfg;
        c->ndim = ndim + 1;
        for (int d = 0; d < ndim; d++) c->shape[d + 1] = shape[d];
    }
    return nb_module_ready(m);
}
