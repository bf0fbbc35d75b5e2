/* upsample.c — Upsample (torch.nn.Upsample, mode 'nearest'): repeats each
 * pixel of [N,C,H,W] scale x scale times. */
#include "nb_models.h"

static nb_tensor *upsample_forward(nb_module *m, nb_tensor *x) {
    return nb_upsample_nearest2d(x, *(const int *)m->cfg);
}

static void upsample_describe(const nb_module *m, char *buf, size_t size) {
    nb_describef(buf, size, "scale_factor=%d.0, mode='nearest'", *(const int *)m->cfg);
}

static const nb_layer_kind upsample_kind = {"Upsample", upsample_forward, upsample_describe, NULL};

nb_module *nb_Upsample(int scale) {
    if (scale < 1) return nb_error_set("Upsample: scale %d must be a positive integer", scale);
    nb_module *m = nb_module_new(&upsample_kind, sizeof(int));
    if (m) *(int *)m->cfg = scale;
    return nb_module_ready(m);
}
