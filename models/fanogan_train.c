/* fanogan_train.c — f-AnoGAN's training steps: the WGAN-GP critic and
 * generator updates (phase 1) and the encoder update with G and D frozen
 * (phase 2), as the port's train_wgangp.py and train_encoder_izif.py do them.
 * Each step builds its graph in the caller's step arena, refuses to update on
 * a NaN or infinite loss, and resets the arena. */
#include <math.h>
#include <string.h>
#include "fanogan_internal.h"

nb_tensor *nb_fanogan_gradient_penalty(nb_fanogan *m, nb_tensor *real, nb_tensor *fake, nb_tensor *alpha) {
    if (!m) return nb_error_set("fanogan_gradient_penalty: no model");
    NB_NULL_GUARD(real, fake);
    if (!fanogan_images_ok(m, "fanogan_gradient_penalty", real) ||
        !fanogan_images_ok(m, "fanogan_gradient_penalty", fake))
        return NULL;
    if (!alpha) alpha = nb_uniform(NB_SHAPE(real->shape[0], 1, 1, 1), 0, 1);
    /* the inner gradient needs the tape even when the caller has grad off; it
     * is itself taped (create_graph) only when the caller's grad mode is on */
    bool outer = nb_set_grad_enabled(true);
    nb_tensor *xhat = nb_detach(nb_add(fake, nb_mul(alpha, nb_sub(real, fake))));
    nb_tensor *d = nb_forward(m->discriminator, nb_requires_grad(xhat, true)), *g = NULL;
    if (d && nb_grad(1, &d, NULL, 1, &xhat, &g, outer)) g = NULL;
    nb_set_grad_enabled(outer);
    return nb_mean(nb_square(nb_add_scalar(nb_norm_per_sample(g), -1)));
}

/* ---- what every step shares -------------------------------------------------------- */

static bool opts_ok(const char *fn, const nb_fanogan_train_opts *o) {
    if (!o)
        nb_error_set("%s: no options (see nb_fanogan_train_defaults)", fn);
    else if (!(o->lambda_gp >= 0 && o->lambda_gp < INFINITY) || !(o->kappa >= 0 && o->kappa < INFINITY))
        nb_error_set("%s: lambda_gp %g and kappa %g must be finite and >= 0", fn, o->lambda_gp, o->kappa);
    else if (o->n_critic < 1)
        nb_error_set("%s: n_critic %d must be at least 1", fn, o->n_critic);
    else if (!strcmp(nb_fanogan_encoder_mode_name(o->encoder_mode), "?"))
        nb_error_set("%s: unknown encoder mode %d", fn, (int)o->encoder_mode);
    else
        return true;
    return false;
}

/* checks the arguments every step takes; a pending error also stops a step */
static bool step_ok(const char *fn, nb_fanogan *m, nb_optim *opt, const nb_fanogan_train_opts *o,
                    nb_arena *step, nb_fanogan_losses *out) {
    if (nb_error()) return false;
    if (!m || !opt || !step || !out) {
        nb_error_set("%s: needs a model, an optimizer, a step arena and a losses struct", fn);
        return false;
    }
    return opts_ok(fn, o);
}

/* Turns off requires_grad of a network's parameters, returning the flags it
 * had (in the step arena) for thaw. */
static bool *freeze(nb_module *net, nb_arena *step) {
    const nb_named_tensors *p = nb_module_parameters(net);
    bool *was = p ? nb_arena_alloc(step, (size_t)(p->n ? p->n : 1) * sizeof *was) : NULL;
    for (int i = 0; was && i < p->n; i++) {
        was[i] = p->tensors[i]->requires_grad;
        p->tensors[i]->requires_grad = false;
    }
    return was;
}

static void thaw(nb_module *net, const bool *was) {
    const nb_named_tensors *p = nb_module_parameters(net);
    for (int i = 0; was && p && i < p->n; i++) p->tensors[i]->requires_grad = was[i];
}

/* zero grad, backward, update — unless the loss is missing or not finite */
static int update(nb_optim *opt, nb_tensor *loss, const char *what, int64_t step_index) {
    if (!loss) return -1;
    double v = loss->data[0];
    if (!isfinite(v)) {
        nb_error_set("%s loss became %s at step %lld", what, isnan(v) ? "NaN" : "infinite",
                     (long long)step_index);
        return -1;
    }
    nb_optim_zero_grad(opt);
    if (nb_backward(loss)) return -1;
    return nb_optim_step(opt);
}

static double value(const nb_tensor *t) { return t ? (double)t->data[0] : NAN; }

/* Every step runs between these: the step arena current and grad mode on,
 * then the arena reset and the caller's arena and grad mode back. */
typedef struct {
    nb_arena *step, *prev;
    bool grad;
} scope;

static scope enter(nb_arena *step) { return (scope){step, nb_arena_use(step), nb_set_grad_enabled(true)}; }

static int leave(scope s, int rc) {
    nb_arena_reset(s.step);
    nb_arena_use(s.prev);
    nb_set_grad_enabled(s.grad);
    return rc;
}

/* ---- phase 1: WGAN-GP --------------------------------------------------------------- */

int nb_fanogan_critic_step(nb_fanogan *m, nb_optim *opt_d, nb_tensor *x, const nb_fanogan_train_opts *o,
                           nb_arena *step, int64_t step_index, nb_fanogan_losses *out) {
    if (!step_ok("fanogan_critic_step", m, opt_d, o, step, out)) return -1;
    if (!fanogan_images_ok(m, "fanogan_critic_step", x)) return -1;
    scope s = enter(step);
    nb_module_train(m->generator, true);
    nb_module_train(m->discriminator, true);
    /* fakes without G's graph: only D is updated (the port's fake_imgs.detach()) */
    nb_tensor *z = nb_fanogan_sample_z(m, x->shape[0], NB_FANOGAN_Z_NORMAL);
    nb_set_grad_enabled(false);
    nb_tensor *fake = nb_forward(m->generator, z);
    nb_set_grad_enabled(true);
    nb_tensor *real_v = nb_mean(nb_forward(m->discriminator, x));
    nb_tensor *fake_v = nb_mean(nb_forward(m->discriminator, fake));
    nb_tensor *gp = nb_fanogan_gradient_penalty(m, x, fake, NULL);
    nb_tensor *loss = nb_add(nb_sub(fake_v, real_v), nb_scale(gp, o->lambda_gp));
    int rc = update(opt_d, loss, "critic", step_index);
    if (!rc) {
        out->d_loss = value(loss);
        out->wasserstein = value(real_v) - value(fake_v);
        out->gp = value(gp);
    }
    return leave(s, rc);
}

int nb_fanogan_generator_step(nb_fanogan *m, nb_optim *opt_g, int64_t n, const nb_fanogan_train_opts *o,
                              nb_arena *step, int64_t step_index, nb_fanogan_losses *out) {
    if (!step_ok("fanogan_generator_step", m, opt_g, o, step, out)) return -1;
    scope s = enter(step);
    nb_module_train(m->generator, true);
    nb_module_train(m->discriminator, true);
    bool *d_was = freeze(m->discriminator, step);
    nb_tensor *fake = nb_fanogan_generate(m, nb_fanogan_sample_z(m, n, NB_FANOGAN_Z_NORMAL));
    nb_tensor *loss = nb_neg(nb_mean(nb_forward(m->discriminator, fake)));
    int rc = update(opt_g, loss, "generator", step_index);
    thaw(m->discriminator, d_was);
    if (!rc) out->g_loss = value(loss);
    return leave(s, rc);
}

/* ---- phase 2: the encoder ------------------------------------------------------------- */

int nb_fanogan_encoder_step(nb_fanogan *m, nb_optim *opt_e, nb_tensor *x, const nb_fanogan_train_opts *o,
                            nb_arena *step, int64_t step_index, nb_fanogan_losses *out) {
    if (!step_ok("fanogan_encoder_step", m, opt_e, o, step, out)) return -1;
    if (!fanogan_images_ok(m, "fanogan_encoder_step", x)) return -1;
    scope s = enter(step);
    nb_module_eval(m->generator);
    nb_module_eval(m->discriminator);
    nb_module_train(m->encoder, true);
    bool *g_was = freeze(m->generator, step), *d_was = freeze(m->discriminator, step);
    nb_tensor *loss, *img = NULL, *feat = NULL;
    if (o->encoder_mode == NB_FANOGAN_ZIZ) {
        /* z -> G(z) -> E(G(z)) should give z back */
        nb_tensor *z = nb_fanogan_sample_z(m, x->shape[0], o->z_dist);
        loss = nb_mse_loss(nb_forward(m->encoder, nb_forward(m->generator, z)), z);
    } else {
        nb_tensor *recon = nb_forward(m->generator, nb_forward(m->encoder, x));
        loss = img = nb_mse_loss(recon, x);
        if (o->encoder_mode == NB_FANOGAN_IZIF) {
            feat = nb_mse_loss(fanogan_trunk(m->discriminator, recon), fanogan_trunk(m->discriminator, x));
            loss = nb_add(img, nb_scale(feat, o->kappa));
        }
    }
    int rc = update(opt_e, loss, "encoder", step_index);
    thaw(m->generator, g_was);
    thaw(m->discriminator, d_was);
    if (!rc) {
        out->e_loss = value(loss);
        out->e_img = img ? value(img) : 0;
        out->e_feat = feat ? value(feat) : 0;
    }
    return leave(s, rc);
}
