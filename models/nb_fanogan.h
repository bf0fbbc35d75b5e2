/* nb_fanogan.h — f-AnoGAN (Schlegl et al., "f-AnoGAN: Fast unsupervised
 * anomaly detection with generative adversarial networks", Medical Image
 * Analysis 54, 2019) on nabla's module tree.
 *
 * Three networks, trained in two phases on normal images only:
 *   1. a WGAN-GP generator G (latent z -> image) and critic D (image -> score);
 *   2. with G and D frozen, an encoder E (image -> z) so that G(E(x)) ~ x;
 * then an image is scored by how badly it is reconstructed, in pixels and in
 * D's features:
 *   anomaly_score(x) = MSE(x, G(E(x))) + kappa * MSE(f(x), f(G(E(x)))).
 *
 * Images are [N, C, H, W] in [-1, 1] (G ends in tanh), H = W = image_size.
 *
 * Names. The model is one module tree, kind "FAnoGAN", with the children
 * "generator", "discriminator" and "encoder", so nb_module_state_dict(m->root)
 * names every tensor "generator.l1.0.weight", "discriminator.model.0.weight",
 * ... — one checkpoint holds all three. Each network alone names its tensors
 * as the PyTorch port names its state_dict (nb_module_state_dict(m->generator)
 * gives "l1.0.weight", ...), for separate files or comparison with PyTorch.
 *
 * Architectures (nb_fanogan_arch):
 *   dcgan    the MVTec AD networks of the PyTorch port (A03ki/f-AnoGAN,
 *            mvtec_ad/model.py): G = Linear -> [128, s/4, s/4] -> BatchNorm ->
 *            2 x (Upsample x2, Conv3x3, BatchNorm eps 0.8, LeakyReLU 0.2) ->
 *            Conv3x3 -> tanh; D and E = 4 blocks Conv3x3 stride 2 (C-16-32-64-128),
 *            LeakyReLU 0.2, Dropout2d 0.25, BatchNorm eps 0.8 (not in block 1),
 *            then Linear to 1 (D) or to latent + tanh (E). D's features f(x) are
 *            the flattened output of its blocks. (At size 16 these are 1x1 maps
 *            whose training-mode BatchNorm normalizes over the batch alone, so
 *            sum_i D(x_i) is constant and the gradient penalty has no gradient:
 *            use 32 or more.)
 *   dcgan-t  the same with ConvTranspose2d(k4, s2, p1) in G for Upsample + Conv.
 *   resnet   the paper's 64x64 networks (its TensorFlow code builds on Gulrajani
 *            et al.'s WGAN-GP "ResNet 64x64"): residual up/down blocks, BatchNorm
 *            in G and E, LayerNorm in D (the original normalizes with layer norm
 *            only inside the critic), E ending in a plain Linear; width `dim`
 *            (the original's 64; small by default so it trains on a CPU).
 *            Layout: see models/fanogan_resnet.c.
 *   mlp      the port's fully connected MNIST networks (mnist/model.py): G =
 *            Linear 128-256-512-1024 (BatchNorm1d eps 0.8, LeakyReLU 0.2) -> tanh;
 *            D = 512-256-1 with LeakyReLU; E = 512-256-latent -> tanh. Any image
 *            size (MNIST: 28); D's features are its last hidden layer.
 *
 * Training, as the port's train_wgangp.py and train_encoder_izif.py:
 *
 *     nb_fanogan *m = nb_fanogan_new(&cfg);
 *     nb_optim *od = nb_Adam(nb_module_parameters(m->discriminator), adam),
 *              *og = nb_Adam(nb_module_parameters(m->generator), adam);
 *     for (i = 0; ...; i++) {
 *         if (nb_fanogan_critic_step(m, od, batch_i, &opts, step, i, &l)) fail(nb_error());
 *         if (i % opts.n_critic == 0 && nb_fanogan_generator_step(m, og, n, &opts, step, i, &l)) ...
 *     }
 *     ... then nb_fanogan_encoder_step(m, oe, batch, &opts, step, i, &l) over the data.
 *
 * Each step makes its tensors in the step arena given, reads the losses into
 * the nb_fanogan_losses and resets that arena before returning: a batch the
 * caller still needs must live elsewhere. A step whose loss is NaN or infinite
 * makes no update and fails with "critic loss became NaN at step 12".
 * Every function returning int gives 0, or -1 with nb_error() set. */
#ifndef NB_FANOGAN_H
#define NB_FANOGAN_H

#include "nb_models.h"
#include "nb_optim.h"

/* ---- configuration ----------------------------------------------------------- */
typedef enum {
    NB_FANOGAN_DCGAN,   /* "dcgan" */
    NB_FANOGAN_DCGAN_T, /* "dcgan-t" */
    NB_FANOGAN_RESNET,  /* "resnet" */
    NB_FANOGAN_MLP,     /* "mlp" */
} nb_fanogan_arch;

typedef struct {
    nb_fanogan_arch arch;
    int image_size; /* H = W; a multiple of 16 for the convolutional networks */
    int channels;   /* C: 1 (gray) or 3 (RGB); any from 1 to 64 */
    int latent_dim; /* size of z */
    int dim;        /* resnet: base width (the original's 64); unused by the others */
} nb_fanogan_config;

/* The defaults of an architecture: dcgan, dcgan-t 64x64x3, latent 100 (the
 * port's); resnet 64x64x3, latent 128, dim 16; mlp 28x28x1, latent 100. */
nb_fanogan_config nb_fanogan_config_defaults(nb_fanogan_arch arch);
/* Checks every field, naming the one that is wrong and what would be right. */
int nb_fanogan_config_check(const nb_fanogan_config *c);
/* "dcgan" -> NB_FANOGAN_DCGAN, ...; an unknown name fails listing the known ones. */
int nb_fanogan_arch_parse(const char *name, nb_fanogan_arch *out);
const char *nb_fanogan_arch_name(nb_fanogan_arch arch); /* "dcgan", ...; "?" if invalid */

/* ---- the model ------------------------------------------------------------------ */
typedef struct {
    nb_fanogan_config cfg;
    nb_module *root; /* kind "FAnoGAN": the three below as named children */
    nb_module *generator, *discriminator, *encoder;
} nb_fanogan;

/* Builds G, D and E (in that order) with PyTorch's default initialization, as
 * the port leaves it, drawn from the global RNG: seed first for reproducible
 * weights. NULL with nb_error() set on a bad config. */
nb_fanogan *nb_fanogan_new(const nb_fanogan_config *cfg);
void nb_fanogan_free(nb_fanogan *m);
/* All parameters and buffers, "generator.*", "discriminator.*", "encoder.*". */
const nb_named_tensors *nb_fanogan_state_dict(nb_fanogan *m);
/* Number of D's features per image (the width of nb_fanogan_features). */
int64_t nb_fanogan_feature_dim(const nb_fanogan *m);

/* Forward functions; results in the current arena, on the tape in grad mode.
 * They run the networks in whatever mode they are in. */
nb_tensor *nb_fanogan_generate(nb_fanogan *m, nb_tensor *z); /* [N,latent] -> [N,C,H,W] */
nb_tensor *nb_fanogan_critic(nb_fanogan *m, nb_tensor *x);   /* [N,C,H,W] -> [N,1] */
nb_tensor *nb_fanogan_features(nb_fanogan *m, nb_tensor *x); /* [N,C,H,W] -> [N,F] */
nb_tensor *nb_fanogan_encode(nb_fanogan *m, nb_tensor *x);   /* [N,C,H,W] -> [N,latent] */
/* Training or eval mode for all three networks (each also via nb_module_train). */
void nb_fanogan_train(nb_fanogan *m, bool on);

/* z for the GAN: [n, latent] from N(0, 1) (or U(-1, 1) with uniform). */
typedef enum { NB_FANOGAN_Z_NORMAL, NB_FANOGAN_Z_UNIFORM } nb_fanogan_z_dist;
nb_tensor *nb_fanogan_sample_z(const nb_fanogan *m, int64_t n, nb_fanogan_z_dist dist);

/* ---- training ---------------------------------------------------------------------- */
typedef enum {
    NB_FANOGAN_IZIF, /* "izif": MSE(G(E(x)), x) + kappa MSE(f(G(E(x))), f(x)) */
    NB_FANOGAN_IZI,  /* "izi":  MSE(G(E(x)), x) */
    NB_FANOGAN_ZIZ,  /* "ziz":  MSE(E(G(z)), z), z from z_dist, no images needed */
} nb_fanogan_encoder_mode;
int nb_fanogan_encoder_mode_parse(const char *name, nb_fanogan_encoder_mode *out);
const char *nb_fanogan_encoder_mode_name(nb_fanogan_encoder_mode mode);

typedef struct {
    double lambda_gp; /* weight of the gradient penalty, 10 */
    int n_critic;     /* critic steps per generator step (the caller's loop), 5 */
    double kappa;     /* weight of the feature term (izif and scores), 1 */
    nb_fanogan_encoder_mode encoder_mode; /* izif */
    nb_fanogan_z_dist z_dist;             /* of the z drawn by the ziz encoder step, normal */
} nb_fanogan_train_opts;
nb_fanogan_train_opts nb_fanogan_train_defaults(void);

/* Loss values of the last step of each kind (a step fills only its own fields). */
typedef struct {
    double d_loss;      /* critic: mean D(G(z)) - mean D(x) + lambda_gp gp */
    double wasserstein; /* critic: mean D(x) - mean D(G(z)), the distance estimate */
    double gp;          /* critic: mean over images of (||dD(xhat)/dxhat||_2 - 1)^2 */
    double g_loss;      /* generator: -mean D(G(z)) */
    double e_loss;      /* encoder: the loss of its mode */
    double e_img;       /* encoder izif/izi: MSE(G(E(x)), x) */
    double e_feat;      /* encoder izif: MSE(f(G(E(x))), f(x)) */
} nb_fanogan_losses;

/* The gradient penalty of WGAN-GP (Gulrajani et al. 2017) at xhat = alpha
 * real + (1 - alpha) fake (both taken without their graphs),
 *   gp = mean over images of (||dD(xhat)/dxhat||_2 - 1)^2,
 * D run in its current mode. alpha [N,1,1,1] may be NULL: drawn U(0, 1). The
 * inner gradient is taken with create_graph, so in grad mode gp can be
 * differentiated with respect to D's parameters. */
nb_tensor *nb_fanogan_gradient_penalty(nb_fanogan *m, nb_tensor *real, nb_tensor *fake, nb_tensor *alpha);

/* One WGAN-GP critic update (G and D in training mode): z ~ N(0,1), fake =
 * G(z) without grad; xhat = alpha x + (1 - alpha) fake with one alpha ~ U(0,1)
 * per image ([N,1,1,1]); gp = mean((||dD(xhat)/dxhat||_2 - 1)^2), the gradient
 * taken with create_graph so the penalty is differentiated through D;
 *   d_loss = -mean D(x) + mean D(fake) + lambda_gp gp,
 * backward into D's parameters and one step of opt_d (D's optimizer). */
int nb_fanogan_critic_step(nb_fanogan *m, nb_optim *opt_d, nb_tensor *x,
                           const nb_fanogan_train_opts *o, nb_arena *step, int64_t step_index,
                           nb_fanogan_losses *out);
/* One generator update (G and D in training mode, D's parameters not
 * differentiated): z ~ N(0,1) of n rows, g_loss = -mean D(G(z)), a step of opt_g. */
int nb_fanogan_generator_step(nb_fanogan *m, nb_optim *opt_g, int64_t n,
                              const nb_fanogan_train_opts *o, nb_arena *step, int64_t step_index,
                              nb_fanogan_losses *out);
/* One encoder update in o->encoder_mode, G and D frozen and in eval mode, E in
 * training mode; a step of opt_e. ziz uses only x's batch size. G and D are
 * left in eval mode, their parameters requiring grad again. */
int nb_fanogan_encoder_step(nb_fanogan *m, nb_optim *opt_e, nb_tensor *x,
                            const nb_fanogan_train_opts *o, nb_arena *step, int64_t step_index,
                            nb_fanogan_losses *out);

/* ---- anomaly scores ---------------------------------------------------------------- */
typedef enum {
    NB_FANOGAN_DIST_MSE,  /* img_distance = mean over C,H,W of (x - G(E(x)))^2 */
    NB_FANOGAN_DIST_SSIM, /* img_distance = 1 - SSIM(x, G(E(x))), data range 2 */
} nb_fanogan_image_distance;

typedef struct {
    double kappa;                             /* 1 */
    nb_fanogan_image_distance image_distance; /* MSE */
} nb_fanogan_score_opts;
nb_fanogan_score_opts nb_fanogan_score_defaults(void);

/* Per image of the batch, all in the current arena: */
typedef struct {
    nb_tensor *anomaly_score;  /* [N] img_distance + kappa feat_distance */
    nb_tensor *img_distance;   /* [N] */
    nb_tensor *feat_distance;  /* [N] mean over that image's features of (f(x) - f(G(E(x))))^2 */
    nb_tensor *z_distance;     /* [N] mean of (E(x) - E(G(E(x))))^2 */
    nb_tensor *reconstruction; /* [N,C,H,W] G(E(x)) */
    nb_tensor *residual;       /* [N,H,W] |x - G(E(x))| averaged over channels */
} nb_fanogan_scores;

/* Scores a batch with all three networks in eval mode and without grad;
 * the modes the networks were in are restored afterwards. Each image's
 * scores depend on that image alone. */
int nb_fanogan_score(nb_fanogan *m, nb_tensor *x, const nb_fanogan_score_opts *o,
                     nb_fanogan_scores *out);

#endif
