/* optimizer.c — what every optimizer shares: its arena, its per-parameter
 * state (a step count and the kind's moment tensors) named after the
 * parameters, the step loop that skips frozen parameters, zero_grad, the
 * learning rate and freeing. */
#include <string.h>
#include "module_internal.h"
#include "optim_internal.h"

static bool check_params(const char *who, const nb_named_tensors *p) {
    if (!p) return nb_error_set("%s: no parameter list (did building the model fail?)", who), false;
    for (int i = 0; i < p->n; i++) {
        if (!p->tensors[i] || !p->names[i] || p->tensors[i]->node)
            return nb_error_set("%s: parameter %d is missing or not a leaf tensor", who, i), false;
        for (int j = 0; j < i; j++)
            if (p->tensors[j] == p->tensors[i])
                return nb_error_set("%s: '%s' and '%s' are the same tensor", who, p->names[j],
                                    p->names[i]),
                       false;
    }
    return true;
}

/* Entry k of the state: "state.<param>.step", then "state.<param>.<slot>"... */
static bool name_state(nb_optim *o, const nb_named_tensors *p, const char *const *slot_names) {
    int per = 1 + o->n_slots, n = o->n * per;
    const char **names = nb_arena_alloc(o->arena, (size_t)(n ? n : 1) * sizeof *names);
    nb_tensor **tensors = nb_arena_alloc(o->arena, (size_t)(n ? n : 1) * sizeof *tensors);
    if (!names || !tensors) return false;
    for (int k = 0; k < o->n; k++) {
        char *prefix = nb_arena_concat(o->arena, "state.", p->names[k]);
        prefix = prefix ? nb_arena_concat(o->arena, prefix, ".") : NULL;
        for (int s = 0; s < per; s++) {
            names[k * per + s] = prefix ? nb_arena_concat(o->arena, prefix, s ? slot_names[s - 1] : "step") : NULL;
            tensors[k * per + s] = s ? o->slots[k * o->n_slots + s - 1] : o->steps[k];
            if (!names[k * per + s]) return false;
        }
    }
    o->state = (nb_named_tensors){n, names, tensors};
    return true;
}

static bool make_state(nb_optim *o) {
    nb_arena *prev = nb_arena_use(o->arena);
    bool ok = true;
    for (int k = 0; k < o->n && ok; k++) {
        o->steps[k] = nb_zeros(0, NULL);
        ok = o->steps[k] != NULL;
        for (int s = 0; s < o->n_slots && ok; s++) {
            o->slots[k * o->n_slots + s] = nb_zeros_like(o->params[k]);
            ok = o->slots[k * o->n_slots + s] != NULL;
        }
    }
    nb_arena_use(prev);
    return ok;
}

nb_optim *nb_optim_new(const nb_optim_kind *kind, const nb_named_tensors *params, double lr,
                       int n_slots, const char *const *slot_names) {
    if (!check_params(kind->name, params)) return NULL;
    if (!(lr >= 0)) return nb_error_set("%s: learning rate %g must be >= 0", kind->name, lr);
    nb_arena *a = nb_arena_new();
    nb_optim *o = a ? nb_arena_alloc(a, sizeof *o) : NULL;
    if (!o) return nb_arena_free(a), NULL;
    *o = (nb_optim){.kind = kind, .arena = a, .lr = lr, .n = params->n, .n_slots = n_slots};
    size_t n = (size_t)(params->n ? params->n : 1);
    o->params = nb_arena_alloc(a, n * sizeof *o->params);
    o->steps = nb_arena_alloc(a, n * sizeof *o->steps);
    o->slots = nb_arena_alloc(a, n * (size_t)(n_slots ? n_slots : 1) * sizeof *o->slots);
    bool ok = o->params && o->steps && o->slots;
    if (ok) memcpy(o->params, params->tensors, (size_t)params->n * sizeof *o->params);
    if (!ok || !make_state(o) || !name_state(o, params, slot_names)) {
        nb_arena_free(a);
        return NULL;
    }
    return o;
}

int nb_optim_step(nb_optim *o) {
    if (!o) return nb_error_set("optim_step: no optimizer (did creating it fail?)"), -1;
    if (nb_error()) return -1;
    for (int k = 0; k < o->n; k++) {
        nb_tensor *p = o->params[k];
        if (!p->requires_grad || !p->grad) continue;
        int64_t t = (int64_t)o->steps[k]->data[0] + 1;
        o->steps[k]->data[0] = (nb_real)t;
        o->kind->update(o, p, o->slots + k * o->n_slots, t);
    }
    return 0;
}

void nb_optim_zero_grad(nb_optim *o) {
    for (int k = 0; o && k < o->n; k++) nb_zero_grad(o->params[k]);
}

void nb_optim_set_lr(nb_optim *o, double lr) {
    if (!o) return;
    if (lr >= 0)
        o->lr = lr;
    else
        nb_error_set("%s: learning rate %g must be >= 0", o->kind->name, lr);
}

double nb_optim_lr(const nb_optim *o) { return o ? o->lr : 0; }

int64_t nb_optim_steps(const nb_optim *o) {
    int64_t most = 0;
    for (int k = 0; o && k < o->n; k++)
        if ((int64_t)o->steps[k]->data[0] > most) most = (int64_t)o->steps[k]->data[0];
    return most;
}

const nb_named_tensors *nb_optim_state(const nb_optim *o) { return o ? &o->state : NULL; }

void nb_optim_free(nb_optim *o) {
    if (o) nb_arena_free(o->arena); /* o lives there */
}
