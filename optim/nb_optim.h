/* nb_optim.h — optimizers with PyTorch's update rules: Adam, AdamW and SGD
 * (momentum, dampening, Nesterov), over a list of named parameters, usually
 * nb_module_parameters(model).
 *
 * Each parameter has its own state in the optimizer's arena: a step count and
 * the optimizer's moment tensors, named after the parameter
 * ("state.0.weight.step", "state.0.weight.exp_avg", ...) and listed by
 * nb_optim_state for checkpoints (nb_npz_save, nb_named_load). A step skips a
 * parameter that does not require grad (frozen) or has no gradient, leaving its
 * state as it was — as PyTorch skips parameters whose .grad is None.
 *
 *     nb_optim *opt = nb_Adam(nb_module_parameters(G), (nb_adam_opts){2e-4, 0.5, 0.999, 1e-8, 0});
 *     for (...) {
 *         nb_optim_zero_grad(opt);
 *         nb_backward(loss);
 *         nb_optim_step(opt);
 *         nb_arena_reset(step);
 *     } */
#ifndef NB_OPTIM_H
#define NB_OPTIM_H

#include "nb_models.h"

typedef struct nb_optim nb_optim;

/* Adam and AdamW. PyTorch's defaults (nb_adam_defaults): betas (0.9, 0.999),
 * eps 1e-8, weight_decay 0 (AdamW's own default is 0.01). */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
} nb_adam_opts;
nb_adam_opts nb_adam_defaults(double lr);

/* SGD; every setting but lr defaults to 0 / false. */
typedef struct {
    double lr, momentum, dampening, weight_decay;
    bool nesterov;
} nb_sgd_opts;

/* Adam, step t of a parameter p with gradient g (weight decay as L2):
 *   g += wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr m_hat / (sqrt(v_hat) + eps),  m_hat = m/(1-b1^t), v_hat = v/(1-b2^t)
 * AdamW decays p itself first, p -= lr wd p, and does not add wd p to g. */
nb_optim *nb_Adam(const nb_named_tensors *params, nb_adam_opts o);
nb_optim *nb_AdamW(const nb_named_tensors *params, nb_adam_opts o);
/* SGD: d = g + wd p; with momentum, b = d at a parameter's first step, else
 * b = momentum b + (1 - dampening) d, and d = b (or d + momentum b with
 * Nesterov, which needs momentum > 0 and no dampening); p -= lr d. */
nb_optim *nb_SGD(const nb_named_tensors *params, nb_sgd_opts o);

/* Applies one update from the parameters' .grad. Refuses (-1) while an error is
 * pending, so a failed forward or backward never leads to a partial update. */
int nb_optim_step(nb_optim *o);
void nb_optim_zero_grad(nb_optim *o); /* zeroes every parameter's .grad in place */
void nb_optim_set_lr(nb_optim *o, double lr);
double nb_optim_lr(const nb_optim *o);
/* The largest step count of any parameter: how many updates were made. */
int64_t nb_optim_steps(const nb_optim *o);
/* The state as named tensors: per parameter its step, then its moments
 * ("exp_avg", "exp_avg_sq" for Adam; "momentum_buffer" for SGD with momentum). */
const nb_named_tensors *nb_optim_state(const nb_optim *o);
void nb_optim_free(nb_optim *o);

#endif
