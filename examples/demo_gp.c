/* demo_gp.c — a first look at nabla: an MLP fits y = sin(3x) / 3 while a
 * gradient penalty, lambda * mean((|dy/dx| - 1)^2) as in WGAN-GP, pulls its
 * slope towards 1. The penalty's gradient wrt the weights needs double
 * backward. Prints the losses falling. Run: build/bin/demo_gp [steps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "nb_core.h"
#include "nb_ops.h"

static nb_tensor *mlp(nb_tensor *const *p, nb_tensor *x) {
    return nb_linear(nb_tanh(nb_linear(x, p[0], p[1])), p[2], p[3]);
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 1500;
    if (steps < 1) {
        fprintf(stderr, "usage: demo_gp [steps > 0]\n");
        return 2;
    }
    nb_seed(42);
    nb_arena *params = nb_arena_new(), *step = nb_arena_new();
    nb_arena_use(params);
    nb_tensor *p[4] = {nb_normal(NB_SHAPE(32, 1), 0, 1), nb_zeros(NB_SHAPE(32)),
                       nb_normal(NB_SHAPE(1, 32), 0, 0.2f), nb_zeros(NB_SHAPE(1))};
    for (int k = 0; k < 4; k++) nb_requires_grad(p[k], true);
    nb_arena_use(step);
    const double lr = 0.05, lambda = 0.1;
    for (int it = 0; it <= steps; it++) {
        nb_tensor *x = nb_requires_grad(nb_uniform(NB_SHAPE(128, 1), -1, 1), true);
        nb_tensor *t = nb_tensor_new(NB_SHAPE(128, 1));
        for (int i = 0; i < 128; i++) t->data[i] = (nb_real)(sin(3 * x->data[i]) / 3);
        nb_tensor *y = mlp(p, x), *dydx;
        nb_grad(1, &y, NULL, 1, &x, &dydx, true); /* on the tape: differentiable again */
        nb_tensor *fit = nb_mse_loss(y, t);
        nb_tensor *gp = nb_mean(nb_square(nb_add_scalar(nb_norm_per_sample(dydx), -1)));
        nb_tensor *loss = nb_add(fit, nb_scale(gp, lambda));
        if (nb_backward(loss)) break;
        for (int k = 0; k < 4; k++) {
            for (int64_t i = 0; i < p[k]->numel; i++) p[k]->data[i] -= (nb_real)lr * p[k]->grad->data[i];
            nb_zero_grad(p[k]);
        }
        if (it % (steps / 10 ? steps / 10 : 1) == 0)
            printf("step %5d  loss %.5f  (fit %.5f, gradient penalty %.5f)\n", it, loss->data[0],
                   fit->data[0], gp->data[0]);
        nb_arena_reset(step);
    }
    int rc = 0;
    if (nb_error()) {
        fprintf(stderr, "demo_gp: %s\n", nb_error());
        rc = 1;
    }
    nb_arena_use(NULL);
    nb_arena_free(step);
    nb_arena_free(params);
    return rc;
}
