/* activation.c — the elementwise activation layers: ReLU, LeakyReLU, Tanh,
 * Sigmoid. They hold no tensors. */
#include "nb_models.h"

static nb_tensor *relu_forward(nb_module *m, nb_tensor *x) {
    (void)m;
    return nb_relu(x);
}
static nb_tensor *tanh_forward(nb_module *m, nb_tensor *x) {
    (void)m;
    return nb_tanh(x);
}
static nb_tensor *sigmoid_forward(nb_module *m, nb_tensor *x) {
    (void)m;
    return nb_sigmoid(x);
}

static const nb_layer_kind relu_kind = {"ReLU", relu_forward, NULL, NULL};
static const nb_layer_kind tanh_kind = {"Tanh", tanh_forward, NULL, NULL};
static const nb_layer_kind sigmoid_kind = {"Sigmoid", sigmoid_forward, NULL, NULL};

nb_module *nb_ReLU(void) { return nb_module_ready(nb_module_new(&relu_kind, 0)); }
nb_module *nb_Tanh(void) { return nb_module_ready(nb_module_new(&tanh_kind, 0)); }
nb_module *nb_Sigmoid(void) { return nb_module_ready(nb_module_new(&sigmoid_kind, 0)); }

/* LeakyReLU: x for x > 0, slope * x otherwise */
static nb_tensor *leaky_forward(nb_module *m, nb_tensor *x) {
    return nb_leaky_relu(x, *(const double *)m->cfg);
}

static void leaky_describe(const nb_module *m, char *buf, size_t size) {
    snprintf(buf, size, "negative_slope=%g", *(const double *)m->cfg);
}

static const nb_layer_kind leaky_kind = {"LeakyReLU", leaky_forward, leaky_describe, NULL};

nb_module *nb_LeakyReLU(double slope) {
    nb_module *m = nb_module_new(&leaky_kind, sizeof(double));
    if (m) *(double *)m->cfg = slope;
    return nb_module_ready(m);
}
