/* dropout.c — Dropout and Dropout2d (torch.nn): in training mode zero each
 * element (Dropout) or each whole channel of [N,C,H,W] (Dropout2d) with
 * probability p and scale the rest by 1/(1-p); in eval mode pass x through. */
#include "nb_models.h"

static nb_tensor *dropout_forward(nb_module *m, nb_tensor *x) {
    return nb_dropout(x, *(const double *)m->cfg, m->training);
}

static nb_tensor *dropout2d_forward(nb_module *m, nb_tensor *x) {
    return nb_dropout2d(x, *(const double *)m->cfg, m->training);
}

static void dropout_describe(const nb_module *m, char *buf, size_t size) {
    nb_describef(buf, size, "p=%g, inplace=False", *(const double *)m->cfg);
}

static const nb_layer_kind dropout_kind = {"Dropout", dropout_forward, dropout_describe, NULL};
static const nb_layer_kind dropout2d_kind = {"Dropout2d", dropout2d_forward, dropout_describe, NULL};

static nb_module *dropout_new(const nb_layer_kind *kind, double p) {
    if (!(p >= 0 && p <= 1)) return nb_error_set("%s: probability %g is not in [0, 1]", kind->name, p);
    nb_module *m = nb_module_new(kind, sizeof(double));
    if (m) *(double *)m->cfg = p;
    return nb_module_ready(m);
}

nb_module *nb_Dropout(double p) { return dropout_new(&dropout_kind, p); }
nb_module *nb_Dropout2d(double p) { return dropout_new(&dropout2d_kind, p); }
