/* sgd.c — stochastic gradient descent with momentum, dampening and Nesterov
 * momentum, as torch.optim.SGD computes them. For a parameter:
 *   d = grad + wd p
 *   with momentum: b = d at its first step, else b = mu b + (1 - dampening) d;
 *                  d = d + mu b (Nesterov) or d = b
 *   p = p - lr d */
#include "optim_internal.h"

typedef struct {
    nb_real *p, *b;
    const nb_real *g;
    double lr, wd, mu, keep;
    bool first, nesterov;
} sgd_job;

static void sgd_kernel(int64_t i0, int64_t i1, void *ctx) {
    const sgd_job *j = ctx;
    for (int64_t i = i0; i < i1; i++) {
        double d = j->g[i] + j->wd * j->p[i];
        if (j->b) {
            double b = j->first ? d : j->mu * j->b[i] + j->keep * d;
            j->b[i] = (nb_real)b;
            d = j->nesterov ? d + j->mu * b : b;
        }
        j->p[i] = (nb_real)(j->p[i] - j->lr * d);
    }
}

static void sgd_step(const nb_optim *o, nb_tensor *p, nb_tensor *const *slots, int64_t t) {
    const nb_sgd_opts *s = &o->opts.sgd;
    sgd_job j = {p->data, o->n_slots ? slots[0]->data : NULL, p->grad->data, o->lr, s->weight_decay,
                 s->momentum, 1 - s->dampening, t == 1, s->nesterov};
    nb_parallel_for(p->numel, 1 << 14, sgd_kernel, &j);
}

static const nb_optim_kind sgd_kind = {"SGD", sgd_step};

nb_optim *nb_SGD(const nb_named_tensors *params, nb_sgd_opts s) {
    if (!(s.momentum >= 0) || !(s.dampening >= 0) || !(s.weight_decay >= 0))
        return nb_error_set("SGD: momentum %g, dampening %g and weight_decay %g must be >= 0",
                            s.momentum, s.dampening, s.weight_decay);
    if (s.nesterov && (s.momentum <= 0 || s.dampening != 0))
        return nb_error_set("SGD: Nesterov momentum needs momentum > 0 and zero dampening");
    nb_optim *o = nb_optim_new(&sgd_kind, params, s.lr, s.momentum != 0, (const char *[]){"momentum_buffer"});
    if (o) o->opts.sgd = s;
    return o;
}
