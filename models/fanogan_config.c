/* fanogan_config.c — f-AnoGAN's settings: the defaults of each architecture,
 * their checks, and the names the command line uses for architectures and
 * encoder training modes. */
#include <string.h>
#include "nb_fanogan.h"

static const char *const arch_names[] = {"dcgan", "dcgan-t", "resnet", "mlp"};
static const char *const mode_names[] = {"izif", "izi", "ziz"};
#define COUNT(a) (int)(sizeof(a) / sizeof(a[0]))

/* the names joined by ", " into buf */
static const char *joined(const char *const *names, int n, char *buf, size_t size) {
    buf[0] = '\0';
    for (int i = 0; i < n; i++) nb_describef(buf, size, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

/* index of name in names, or -1 with an error listing them */
static int lookup(const char *what, const char *name, const char *const *names, int n) {
    for (int i = 0; name && i < n; i++)
        if (!strcmp(name, names[i])) return i;
    char known[128];
    nb_error_set("fanogan: unknown %s '%s' (known: %s)", what, name ? name : "(none)",
                 joined(names, n, known, sizeof known));
    return -1;
}

int nb_fanogan_arch_parse(const char *name, nb_fanogan_arch *out) {
    int i = lookup("architecture", name, arch_names, COUNT(arch_names));
    if (i < 0) return -1;
    *out = (nb_fanogan_arch)i;
    return 0;
}

const char *nb_fanogan_arch_name(nb_fanogan_arch arch) {
    return (int)arch >= 0 && (int)arch < COUNT(arch_names) ? arch_names[arch] : "?";
}

int nb_fanogan_encoder_mode_parse(const char *name, nb_fanogan_encoder_mode *out) {
    int i = lookup("encoder mode", name, mode_names, COUNT(mode_names));
    if (i < 0) return -1;
    *out = (nb_fanogan_encoder_mode)i;
    return 0;
}

const char *nb_fanogan_encoder_mode_name(nb_fanogan_encoder_mode mode) {
    return (int)mode >= 0 && (int)mode < COUNT(mode_names) ? mode_names[mode] : "?";
}

nb_fanogan_config nb_fanogan_config_defaults(nb_fanogan_arch arch) {
    switch (arch) {
    case NB_FANOGAN_RESNET: return (nb_fanogan_config){arch, 64, 3, 128, 16};
    case NB_FANOGAN_MLP: return (nb_fanogan_config){arch, 28, 1, 100, 0};
    default: return (nb_fanogan_config){arch, 64, 3, 100, 0};
    }
}

int nb_fanogan_config_check(const nb_fanogan_config *c) {
    if (!c) {
        nb_error_set("fanogan: no configuration given");
        return -1;
    }
    const char *name = nb_fanogan_arch_name(c->arch);
    bool conv = c->arch != NB_FANOGAN_MLP;
    char known[128];
    if (!strcmp(name, "?"))
        nb_error_set("fanogan: architecture %d is not one of %s", (int)c->arch,
                     joined(arch_names, COUNT(arch_names), known, sizeof known));
    else if (conv && (c->image_size < 16 || c->image_size % 16 || c->image_size > 4096))
        nb_error_set("fanogan: image size %d: the %s networks need a multiple of 16 from 16 to 4096 "
                     "(e.g. 64)", c->image_size, name);
    else if (!conv && (c->image_size < 1 || c->image_size > 4096))
        nb_error_set("fanogan: image size %d must be from 1 to 4096", c->image_size);
    else if (c->channels < 1 || c->channels > 64)
        nb_error_set("fanogan: %d channels: use 1 (gray) or 3 (RGB), at most 64", c->channels);
    else if (c->latent_dim < 1 || c->latent_dim > 65536)
        nb_error_set("fanogan: latent size %d must be from 1 to 65536", c->latent_dim);
    else if (c->arch == NB_FANOGAN_RESNET && (c->dim < 1 || c->dim > 4096))
        nb_error_set("fanogan: resnet width dim %d must be from 1 to 4096 (the paper's is 64)", c->dim);
    else
        return 0;
    return -1;
}

nb_fanogan_train_opts nb_fanogan_train_defaults(void) {
    return (nb_fanogan_train_opts){10.0, 5, 1.0, NB_FANOGAN_IZIF, NB_FANOGAN_Z_NORMAL};
}

nb_fanogan_score_opts nb_fanogan_score_defaults(void) {
    return (nb_fanogan_score_opts){1.0, NB_FANOGAN_DIST_MSE};
}
