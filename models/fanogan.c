/* fanogan.c — the f-AnoGAN model: its three networks under one root module,
 * their forward functions and the latent samples fed to G. */
#include "fanogan_internal.h"

/* The root runs the whole reconstruction, x -> G(E(x)). */
static nb_tensor *root_forward(nb_module *m, nb_tensor *x) {
    nb_tensor *z = nb_forward(nb_module_child(m, "encoder"), x);
    return nb_forward(nb_module_child(m, "generator"), z);
}

static const nb_layer_kind root_kind = {"FAnoGAN", root_forward, NULL, NULL};

static const fanogan_builders *const builders[] = {
    [NB_FANOGAN_DCGAN] = &fanogan_dcgan,
    [NB_FANOGAN_DCGAN_T] = &fanogan_dcgan,
    [NB_FANOGAN_RESNET] = &fanogan_resnet,
    [NB_FANOGAN_MLP] = &fanogan_mlp,
};

nb_fanogan *nb_fanogan_new(const nb_fanogan_config *cfg) {
    if (nb_fanogan_config_check(cfg)) return NULL;
    const fanogan_builders *b = builders[cfg->arch];
    nb_module *g = b->generator(cfg);
    nb_module *d = g ? b->critic(FANOGAN_DISCRIMINATOR, cfg) : NULL;
    nb_module *e = d ? b->critic(FANOGAN_ENCODER, cfg) : NULL;
    /* the root owns the three from here, and frees them all if one is missing */
    nb_module *root = fanogan_compose(&root_kind, NULL, 0, 3,
                                      (const char *[]){"generator", "discriminator", "encoder"},
                                      (nb_module *[]){g, d, e});
    nb_fanogan *m = root ? nb_arena_alloc(root->arena, sizeof *m) : NULL;
    if (!m) {
        nb_module_free(root);
        return NULL;
    }
    /* C does not fix the order in which a constructor's arguments were drawn:
     * draw again in tree order, G then D then E */
    nb_module_reset_parameters(root);
    *m = (nb_fanogan){*cfg, root, g, d, e};
    return m;
}

void nb_fanogan_free(nb_fanogan *m) {
    if (m) nb_module_free(m->root); /* m lives in the root's arena */
}

const nb_named_tensors *nb_fanogan_state_dict(nb_fanogan *m) {
    return m ? nb_module_state_dict(m->root) : nb_error_set("fanogan: no model");
}

int64_t nb_fanogan_feature_dim(const nb_fanogan *m) {
    if (!m) return 0;
    const nb_fanogan_config *c = &m->cfg;
    int64_t ds = c->image_size / 16;
    switch (c->arch) {
    case NB_FANOGAN_MLP: return 256;
    case NB_FANOGAN_RESNET: return 8 * c->dim * ds * ds;
    default: return 128 * ds * ds;
    }
}

bool fanogan_images_ok(const nb_fanogan *m, const char *fn, const nb_tensor *x) {
    if (!x) { /* an op before failed (its error is pending), or the caller gave none */
        if (!nb_error()) nb_error_set("%s: no images given", fn);
        return false;
    }
    const nb_fanogan_config *c = &m->cfg;
    if (x->ndim == 4 && x->shape[0] > 0 && x->shape[1] == c->channels && x->shape[2] == c->image_size &&
        x->shape[3] == c->image_size)
        return true;
    char s[96];
    nb_error_set("%s: images %s do not fit the model's [N,%d,%d,%d]", fn, nb_shape_str(x, s), c->channels,
                 c->image_size, c->image_size);
    return false;
}

nb_tensor *nb_fanogan_generate(nb_fanogan *m, nb_tensor *z) {
    if (!m) return nb_error_set("fanogan_generate: no model");
    NB_NULL_GUARD(z);
    if (z->ndim != 2 || z->shape[1] != m->cfg.latent_dim) {
        char s[96];
        return nb_error_set("fanogan_generate: z %s is not [N,%d]", nb_shape_str(z, s), m->cfg.latent_dim);
    }
    return nb_forward(m->generator, z);
}

/* What the forward functions on images check first: a model, an input (a NULL
 * one gives the core's message, as for an op) and its shape. */
static bool images_in(const nb_fanogan *m, const char *fn, nb_tensor *x) {
    if (!m) {
        nb_error_set("%s: no model", fn);
        return false;
    }
    return !nb_any_null(1, &x) && fanogan_images_ok(m, fn, x);
}

nb_tensor *nb_fanogan_critic(nb_fanogan *m, nb_tensor *x) {
    return images_in(m, "fanogan_critic", x) ? nb_forward(m->discriminator, x) : NULL;
}

nb_tensor *nb_fanogan_features(nb_fanogan *m, nb_tensor *x) {
    return images_in(m, "fanogan_features", x) ? fanogan_trunk(m->discriminator, x) : NULL;
}

nb_tensor *nb_fanogan_encode(nb_fanogan *m, nb_tensor *x) {
    return images_in(m, "fanogan_encode", x) ? nb_forward(m->encoder, x) : NULL;
}

void nb_fanogan_train(nb_fanogan *m, bool on) {
    if (m) nb_module_train(m->root, on);
}

nb_tensor *nb_fanogan_sample_z(const nb_fanogan *m, int64_t n, nb_fanogan_z_dist dist) {
    if (!m || n < 1) return nb_error_set("fanogan_sample_z: needs a model and n >= 1, got n = %lld", (long long)n);
    int64_t shape[2] = {n, m->cfg.latent_dim};
    return dist == NB_FANOGAN_Z_UNIFORM ? nb_uniform(2, shape, -1, 1) : nb_normal(2, shape, 0, 1);
}
