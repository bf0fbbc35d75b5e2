/* fanogan_score.c — f-AnoGAN's anomaly scores of a batch, as the port's
 * test_anomaly_detection.py computes them but per image: with x^ = G(E(x)),
 *   img_distance  = mean_{c,h,w} (x - x^)^2          (or 1 - SSIM(x, x^))
 *   feat_distance = mean_k (f(x) - f(x^))_k^2        f = D's features
 *   anomaly_score = img_distance + kappa feat_distance
 *   z_distance    = mean_j (E(x) - E(x^))_j^2
 * and the residual map |x - x^| averaged over channels. All networks run in
 * eval mode (running batch-norm statistics, no dropout), so an image's scores
 * do not depend on the rest of its batch. */
#include <math.h>
#include "fanogan_internal.h"
#include "nb_eval.h"

/* mean of (a - b)^2 over all dims but the first: [N, ...] -> [N] */
static nb_tensor *per_image_mse(nb_tensor *a, nb_tensor *b) {
    return nb_mean_dims(nb_flatten(nb_square(nb_sub(a, b))), 1, (int[]){1}, false);
}

/* 1 - SSIM(x_i, r_i) per image, data range 2 for images in [-1, 1] */
static nb_tensor *per_image_dssim(nb_tensor *x, nb_tensor *r) {
    int64_t n = x->shape[0];
    nb_tensor *d = nb_tensor_new(NB_SHAPE(n));
    for (int64_t i = 0; d && i < n; i++) {
        nb_tensor *xi = nb_reshape(nb_slice(x, 0, i, i + 1), 3, x->shape + 1);
        nb_tensor *ri = nb_reshape(nb_slice(r, 0, i, i + 1), 3, r->shape + 1);
        double s = nb_ssim(xi, ri, 2.0);
        if (isnan(s)) return NULL;
        d->data[i] = (nb_real)(1 - s);
    }
    return d;
}

static bool score_opts_ok(const nb_fanogan_score_opts *o) {
    if (!o)
        nb_error_set("fanogan_score: no options (see nb_fanogan_score_defaults)");
    else if (!(o->kappa >= 0 && o->kappa < INFINITY))
        nb_error_set("fanogan_score: kappa %g must be finite and >= 0", o->kappa);
    else if (o->image_distance != NB_FANOGAN_DIST_MSE && o->image_distance != NB_FANOGAN_DIST_SSIM)
        nb_error_set("fanogan_score: unknown image distance %d", (int)o->image_distance);
    else
        return true;
    return false;
}

int nb_fanogan_score(nb_fanogan *m, nb_tensor *x, const nb_fanogan_score_opts *o, nb_fanogan_scores *out) {
    if (!m || !out) {
        nb_error_set("fanogan_score: needs a model and a scores struct");
        return -1;
    }
    if (!fanogan_images_ok(m, "fanogan_score", x) || !score_opts_ok(o)) return -1;
    bool was[3] = {m->generator->training, m->discriminator->training, m->encoder->training};
    bool grad = nb_set_grad_enabled(false);
    nb_fanogan_train(m, false);
    nb_tensor *z = nb_forward(m->encoder, x);
    nb_tensor *r = nb_forward(m->generator, z);
    nb_tensor *img = o->image_distance == NB_FANOGAN_DIST_SSIM && r ? per_image_dssim(x, r) : per_image_mse(x, r);
    nb_tensor *feat = per_image_mse(fanogan_trunk(m->discriminator, x), fanogan_trunk(m->discriminator, r));
    *out = (nb_fanogan_scores){
        .anomaly_score = nb_add(img, nb_scale(feat, o->kappa)),
        .img_distance = img,
        .feat_distance = feat,
        .z_distance = per_image_mse(z, nb_forward(m->encoder, r)),
        .reconstruction = r,
        .residual = nb_mean_dims(nb_abs(nb_sub(x, r)), 1, (int[]){1}, false),
    };
    nb_module_train(m->generator, was[0]);
    nb_module_train(m->discriminator, was[1]);
    nb_module_train(m->encoder, was[2]);
    nb_set_grad_enabled(grad);
    return out->anomaly_score && out->z_distance && out->residual ? 0 : -1;
}
