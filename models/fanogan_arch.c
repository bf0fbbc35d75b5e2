/* fanogan_arch.c — the networks of the PyTorch port of f-AnoGAN (A03ki/
 * f-AnoGAN, after Linder-Norén's PyTorch-GAN): its Generator, Discriminator
 * and Encoder classes as module kinds, and the dcgan, dcgan-t (MVTec AD,
 * mvtec_ad/model.py) and mlp (MNIST, mnist/model.py) architectures built from
 * them with the port's child names, so state dicts read as the port's do:
 *   generator     l1.0.weight, conv_blocks.0.weight, ...   (mlp: model.0.weight)
 *   discriminator model.0.weight, ..., adv_layer.0.weight  (mlp: features.*, last_layer.*)
 *   encoder       model.0.weight, ..., adv_layer.0.weight  (mlp: model.*) */
#include <string.h>
#include "fanogan_internal.h"

static nb_tensor *run(nb_module *m, int from, int to, nb_tensor *x) {
    for (int i = from; i < to && x; i++) x = nb_forward(nb_module_child_at(m, i), x);
    return x;
}

/* Generator.forward: out = head(z); out.view(N, shape...); tail(out) */
static nb_tensor *generator_forward(nb_module *m, nb_tensor *z) {
    const fanogan_net_cfg *c = m->cfg;
    nb_tensor *y = run(m, 0, c->split, z);
    if (!y) return NULL;
    int64_t shape[4] = {y->ndim ? y->shape[0] : 1, c->shape[0], c->shape[1], c->shape[2]};
    return run(m, c->split, m->children.n, nb_reshape(y, 4, shape));
}

/* Discriminator.forward_features: the trunk's output, flattened per image */
static nb_tensor *trunk_forward(nb_module *m, nb_tensor *x) {
    const fanogan_net_cfg *c = m->cfg;
    return nb_flatten(run(m, 0, c->split, c->flatten_input ? nb_flatten(x) : x));
}

static nb_tensor *critic_forward(nb_module *m, nb_tensor *x) {
    return run(m, ((const fanogan_net_cfg *)m->cfg)->split, m->children.n, trunk_forward(m, x));
}

static const nb_layer_kind kinds[] = {
    [FANOGAN_GENERATOR] = {"Generator", generator_forward, NULL, NULL},
    [FANOGAN_DISCRIMINATOR] = {"Discriminator", critic_forward, NULL, NULL},
    [FANOGAN_ENCODER] = {"Encoder", critic_forward, NULL, NULL},
};

nb_tensor *fanogan_trunk(nb_module *net, nb_tensor *x) {
    if (!net || net->kind->forward != critic_forward)
        return nb_error_set("fanogan: features come from a Discriminator, not a %s",
                            net ? net->kind->name : "missing network");
    NB_NULL_GUARD(x);
    return trunk_forward(net, x);
}

nb_module *fanogan_compose(const nb_layer_kind *kind, const void *cfg, size_t cfg_bytes, int n,
                           const char *const *names, nb_module *const *children) {
    nb_module *m = nb_module_new(kind, cfg_bytes);
    if (m && cfg_bytes) memcpy(m->cfg, cfg, cfg_bytes);
    for (int i = 0; i < n; i++) {
        if (m && !nb_module_add(m, names[i], children[i])) {
            nb_module_free(m);
            m = NULL;
        } else if (!m && children[i] && !children[i]->parent) {
            nb_module_free(children[i]);
        }
    }
    return nb_module_ready(m);
}

nb_module *fanogan_net(fanogan_role role, fanogan_net_cfg cfg, int n, const char *const *names,
                       nb_module *const *children) {
    return fanogan_compose(&kinds[role], &cfg, sizeof cfg, n, names, children);
}

/* ---- dcgan and dcgan-t (mvtec_ad/model.py) ---------------------------------------- */

/* One block of the port's discriminator_block: Conv3x3 stride 2, LeakyReLU,
 * Dropout2d and (all but the first block) BatchNorm2d(out, eps 0.8). */
#define DOWN(in, out) nb_Conv2d(in, out, 3, 2, 1, true), nb_LeakyReLU(0.2), nb_Dropout2d(0.25)
#define BN2(c) nb_BatchNorm2d(c, 0.8, 0.1)

/* Discriminator and Encoder share their trunk: four blocks down to 128 x s/16 x s/16 */
static nb_module *dcgan_critic(fanogan_role role, const nb_fanogan_config *c) {
    int64_t ds = c->image_size / 16, out = role == FANOGAN_ENCODER ? c->latent_dim : 1;
    nb_module *trunk = NB_SEQUENTIAL(DOWN(c->channels, 16), DOWN(16, 32), BN2(32), DOWN(32, 64),
                                     BN2(64), DOWN(64, 128), BN2(128));
    nb_module *head = role == FANOGAN_ENCODER ? NB_SEQUENTIAL(nb_Linear(128 * ds * ds, out, true), nb_Tanh())
                                              : NB_SEQUENTIAL(nb_Linear(128 * ds * ds, out, true));
    return fanogan_net(role, (fanogan_net_cfg){.split = 1}, 2, (const char *[]){"model", "adv_layer"},
                       (nb_module *[]){trunk, head});
}

/* G: Linear to 128 x s/4 x s/4, then twice doubled in size — by Upsample and a
 * 3x3 convolution (dcgan) or a transposed 4x4 stride-2 convolution (dcgan-t). */
static nb_module *dcgan_generator(const nb_fanogan_config *c) {
    int64_t s4 = c->image_size / 4;
    nb_module *l1 = NB_SEQUENTIAL(nb_Linear(c->latent_dim, 128 * s4 * s4, true));
    nb_module *blocks =
        c->arch == NB_FANOGAN_DCGAN_T
            ? NB_SEQUENTIAL(nb_BatchNorm2d(128, 1e-5, 0.1), nb_ConvTranspose2d(128, 128, 4, 2, 1, true),
                            BN2(128), nb_LeakyReLU(0.2), nb_ConvTranspose2d(128, 64, 4, 2, 1, true),
                            BN2(64), nb_LeakyReLU(0.2), nb_Conv2d(64, c->channels, 3, 1, 1, true),
                            nb_Tanh())
            : NB_SEQUENTIAL(nb_BatchNorm2d(128, 1e-5, 0.1), nb_Upsample(2),
                            nb_Conv2d(128, 128, 3, 1, 1, true), BN2(128), nb_LeakyReLU(0.2),
                            nb_Upsample(2), nb_Conv2d(128, 64, 3, 1, 1, true), BN2(64),
                            nb_LeakyReLU(0.2), nb_Conv2d(64, c->channels, 3, 1, 1, true), nb_Tanh());
    return fanogan_net(FANOGAN_GENERATOR, (fanogan_net_cfg){.split = 1, .shape = {128, s4, s4}},
                       2, (const char *[]){"l1", "conv_blocks"}, (nb_module *[]){l1, blocks});
}

const fanogan_builders fanogan_dcgan = {dcgan_generator, dcgan_critic};

/* ---- mlp (mnist/model.py) ------------------------------------------------------------ */

/* the port's block(in, out, normalize): Linear, BatchNorm1d(out, eps 0.8), LeakyReLU */
#define FC(in, out) nb_Linear(in, out, true), nb_BatchNorm1d(out, 0.8, 0.1), nb_LeakyReLU(0.2)

static nb_module *mlp_generator(const nb_fanogan_config *c) {
    int64_t s = c->image_size;
    nb_module *model = NB_SEQUENTIAL(nb_Linear(c->latent_dim, 128, true), nb_LeakyReLU(0.2), FC(128, 256),
                                     FC(256, 512), FC(512, 1024),
                                     nb_Linear(1024, c->channels * s * s, true), nb_Tanh());
    return fanogan_net(FANOGAN_GENERATOR, (fanogan_net_cfg){.split = 1, .shape = {c->channels, s, s}},
                       1, (const char *[]){"model"}, &model);
}

/* D: features = two LeakyReLU layers 512-256 (the feature map f), last_layer
 * Linear(256, 1); E: the same layers ending in Linear(256, latent) + Tanh. */
static nb_module *mlp_critic(fanogan_role role, const nb_fanogan_config *c) {
    int64_t pixels = (int64_t)c->channels * c->image_size * c->image_size;
    if (role == FANOGAN_ENCODER) {
        nb_module *model = NB_SEQUENTIAL(nb_Linear(pixels, 512, true), nb_LeakyReLU(0.2), nb_Linear(512, 256, true),
                                         nb_LeakyReLU(0.2), nb_Linear(256, c->latent_dim, true), nb_Tanh());
        return fanogan_net(role, (fanogan_net_cfg){.split = 0, .flatten_input = true}, 1,
                           (const char *[]){"model"}, &model);
    }
    nb_module *features = NB_SEQUENTIAL(nb_Linear(pixels, 512, true), nb_LeakyReLU(0.2),
                                        nb_Linear(512, 256, true), nb_LeakyReLU(0.2));
    nb_module *last = NB_SEQUENTIAL(nb_Linear(256, 1, true));
    return fanogan_net(role, (fanogan_net_cfg){.split = 1, .flatten_input = true}, 2,
                       (const char *[]){"features", "last_layer"}, (nb_module *[]){features, last});
}

const fanogan_builders fanogan_mlp = {mlp_generator, mlp_critic};
