/* adam.c — Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as
 * torch.optim computes them. For a parameter's step t:
 *   Adam:  g = grad + wd p                    (weight decay as L2)
 *   AdamW: p = p - lr wd p,  g = grad          (decoupled decay)
 *   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *   p = p - lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps)
 * which is lr m_hat / (sqrt(v_hat) + eps) with the bias-corrected moments.
 * Elementwise in double, in parallel chunks. */
#include <math.h>
#include "optim_internal.h"

typedef struct {
    nb_real *p, *m, *v;
    const nb_real *g;
    double b1, b2, eps, l2, decay, step_size, bc2_sqrt;
} adam_job;

static void adam_kernel(int64_t i0, int64_t i1, void *ctx) {
    const adam_job *j = ctx;
    for (int64_t i = i0; i < i1; i++) {
        double p = j->p[i], g = j->g[i] + j->l2 * p;
        double m = j->b1 * j->m[i] + (1 - j->b1) * g;
        double v = j->b2 * j->v[i] + (1 - j->b2) * g * g;
        j->m[i] = (nb_real)m;
        j->v[i] = (nb_real)v;
        j->p[i] = (nb_real)(p * j->decay - j->step_size * m / (sqrt(v) / j->bc2_sqrt + j->eps));
    }
}

static void adam_update(const nb_optim *o, nb_tensor *p, nb_tensor *const *slots, int64_t t, bool decoupled) {
    const nb_adam_opts *a = &o->opts.adam;
    adam_job j = {p->data, slots[0]->data, slots[1]->data, p->grad->data, a->beta1, a->beta2, a->eps,
                  decoupled ? 0 : a->weight_decay, decoupled ? 1 - o->lr * a->weight_decay : 1,
                  o->lr / (1 - pow(a->beta1, (double)t)), sqrt(1 - pow(a->beta2, (double)t))};
    nb_parallel_for(p->numel, 1 << 14, adam_kernel, &j);
}

static void adam_step(const nb_optim *o, nb_tensor *p, nb_tensor *const *slots, int64_t t) {
    adam_update(o, p, slots, t, false);
}

static void adamw_step(const nb_optim *o, nb_tensor *p, nb_tensor *const *slots, int64_t t) {
    adam_update(o, p, slots, t, true);
}

static const nb_optim_kind adam_kind = {"Adam", adam_step};
static const nb_optim_kind adamw_kind = {"AdamW", adamw_step};

nb_adam_opts nb_adam_defaults(double lr) { return (nb_adam_opts){lr, 0.9, 0.999, 1e-8, 0}; }

static nb_optim *adam_new(const nb_optim_kind *kind, const nb_named_tensors *params, nb_adam_opts a) {
    if (!(a.beta1 >= 0 && a.beta1 < 1) || !(a.beta2 >= 0 && a.beta2 < 1) || !(a.eps >= 0) ||
        !(a.weight_decay >= 0))
        return nb_error_set("%s: betas (%g, %g) must be in [0, 1), eps %g and weight_decay %g >= 0",
                            kind->name, a.beta1, a.beta2, a.eps, a.weight_decay);
    nb_optim *o = nb_optim_new(kind, params, a.lr, 2, (const char *[]){"exp_avg", "exp_avg_sq"});
    if (o) o->opts.adam = a;
    return o;
}

nb_optim *nb_Adam(const nb_named_tensors *params, nb_adam_opts o) { return adam_new(&adam_kind, params, o); }
nb_optim *nb_AdamW(const nb_named_tensors *params, nb_adam_opts o) { return adam_new(&adamw_kind, params, o); }
