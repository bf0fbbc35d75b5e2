/* fanogan_resnet.c — the "resnet" architecture: the 64x64 networks of
 * f-AnoGAN's TensorFlow code (tSchlegl/f-AnoGAN, wgangp_64x64.py and
 * z_encoding_izif.py), which are Gulrajani et al.'s WGAN-GP "ResNet 64x64"
 * GoodGenerator / GoodDiscriminator with an encoder of the critic's layout.
 * For image size s (64 in the paper) and width d (DIM, 64 in the paper):
 *
 *   G: Linear(latent, 8d (s/16)^2) -> view [8d, s/16, s/16]
 *      -> up blocks 8d->8d, 8d->4d, 4d->2d, 2d->d -> BatchNorm -> ReLU
 *      -> Conv3x3(d, C) -> tanh
 *   D: Conv3x3(C, d) -> down blocks d->2d, 2d->4d, 4d->8d, 8d->8d
 *      -> flatten (the features f, 8d (s/16)^2 of them) -> Linear(., 1)
 *   E: as D, ending in Linear(., latent) (the original's default: no tanh)
 *
 * A residual block (ResidualBlock in the original) adds a 1x1-convolution
 * shortcut of the resampled input to
 *   up:   conv2(relu(norm2(conv1(up(relu(norm1(x)))))))     conv1 3x3 in->out
 *   down: pool(conv2(relu(norm2(conv1(relu(norm1(x)))))))   conv2 3x3 in->out
 * with up = nearest-neighbour x2 (the original's concat + depth_to_space is
 * exactly that), pool = 2x2 mean pooling, conv1 without bias. The norms are
 * BatchNorm in G and E, and in D LayerNorm over each image's [C,H,W] (the
 * original uses layer norm in every scope named Discriminator, since batch
 * statistics would break the per-image gradient penalty).
 *
 * Differences from the original, deliberate: parameters start from PyTorch's
 * default initialization rather than He/Glorot uniform; LayerNorm has an
 * elementwise affine over [C,H,W] (torch.nn.LayerNorm) where the original
 * has one scale and offset per channel; BatchNorm uses PyTorch's eps 1e-5 and
 * momentum 0.1. Children are named after the original's scopes, lower-cased:
 * "input", "res1".."res4" (each "shortcut", "norm1", "conv1", "norm2",
 * "conv2"), "output_norm", "output". */
#include "fanogan_internal.h"

static nb_tensor *block_forward(nb_module *m, nb_tensor *x) {
    bool up = *(const bool *)m->cfg;
    nb_module *shortcut = nb_module_child(m, "shortcut");
    nb_tensor *s = nb_forward(shortcut, up ? nb_upsample_nearest2d(x, 2) : nb_avg_pool2d(x, 2, 2));
    nb_tensor *h = nb_relu(nb_forward(nb_module_child(m, "norm1"), x));
    h = nb_forward(nb_module_child(m, "conv1"), up ? nb_upsample_nearest2d(h, 2) : h);
    h = nb_forward(nb_module_child(m, "conv2"), nb_relu(nb_forward(nb_module_child(m, "norm2"), h)));
    return nb_add(s, up ? h : nb_avg_pool2d(h, 2, 2));
}

static void block_describe(const nb_module *m, char *buf, size_t size) {
    nb_describef(buf, size, "resample=%s", *(const bool *)m->cfg ? "up" : "down");
}

static const nb_layer_kind block_kind = {"ResidualBlock", block_forward, block_describe, NULL};

/* A block from in to out channels at input size hw; layer_norm selects the
 * critic's normalization. */
static nb_module *block(int64_t in, int64_t out, int64_t hw, bool up, bool layer_norm) {
    int64_t c2 = up ? out : in; /* channels after conv1; a down block pools only after conv2 */
    nb_module *norm1 = layer_norm ? nb_LayerNorm(NB_SHAPE(in, hw, hw), 1e-5) : nb_BatchNorm2d(in, 1e-5, 0.1);
    nb_module *norm2 = layer_norm ? nb_LayerNorm(NB_SHAPE(c2, hw, hw), 1e-5) : nb_BatchNorm2d(c2, 1e-5, 0.1);
    nb_module *parts[] = {nb_Conv2d(in, out, 1, 1, 0, true), norm1, nb_Conv2d(in, c2, 3, 1, 1, false), norm2,
                          nb_Conv2d(c2, out, 3, 1, 1, true)};
    const char *names[] = {"shortcut", "norm1", "conv1", "norm2", "conv2"};
    return fanogan_compose(&block_kind, &up, sizeof up, 5, names, parts);
}

static nb_module *resnet_generator(const nb_fanogan_config *c) {
    int64_t d = c->dim, s = c->image_size / 16;
    nb_module *parts[] = {nb_Linear(c->latent_dim, 8 * d * s * s, true),
                          block(8 * d, 8 * d, s, true, false),
                          block(8 * d, 4 * d, 2 * s, true, false),
                          block(4 * d, 2 * d, 4 * s, true, false),
                          block(2 * d, d, 8 * s, true, false),
                          nb_BatchNorm2d(d, 1e-5, 0.1),
                          nb_ReLU(),
                          nb_Conv2d(d, c->channels, 3, 1, 1, true),
                          nb_Tanh()};
    const char *names[] = {"input", "res1", "res2", "res3", "res4", "output_norm", "relu", "output", "tanh"};
    return fanogan_net(FANOGAN_GENERATOR, (fanogan_net_cfg){.split = 1, .shape = {8 * d, s, s}}, 9,
                       names, parts);
}

/* D (layer norm, one output) or E (batch norm, latent outputs) */
static nb_module *resnet_critic(fanogan_role role, const nb_fanogan_config *c) {
    int64_t d = c->dim, s = c->image_size;
    bool ln = role == FANOGAN_DISCRIMINATOR;
    nb_module *parts[] = {nb_Conv2d(c->channels, d, 3, 1, 1, true),
                          block(d, 2 * d, s, false, ln),
                          block(2 * d, 4 * d, s / 2, false, ln),
                          block(4 * d, 8 * d, s / 4, false, ln),
                          block(8 * d, 8 * d, s / 8, false, ln),
                          nb_Linear(8 * d * (s / 16) * (s / 16), ln ? 1 : c->latent_dim, true)};
    const char *names[] = {"input", "res1", "res2", "res3", "res4", "output"};
    return fanogan_net(role, (fanogan_net_cfg){.split = 5}, 6, names, parts);
}

const fanogan_builders fanogan_resnet = {resnet_generator, resnet_critic};
