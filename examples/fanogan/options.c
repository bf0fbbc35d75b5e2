/* options.c — the fanogan tool's options: one table gives each option's name,
 * type, range, help text and the subcommands that take it, so parsing, the
 * per-subcommand usage and the run's options.txt all follow from it.
 *
 * A run's settings are remembered in OUT/options.txt ("name value" lines):
 * every subcommand but a fresh train-gan / run starts from them, and the
 * command line overrides them, so `fanogan score --out RUN` needs nothing else. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"

typedef enum { T_INT, T_LLONG, T_REAL, T_STR, T_FLAG, T_ARCH, T_MODE, T_DIST } opt_type;

#define C(x) (1u << CMD_##x)
#define TG (C(TRAIN_GAN) | C(RUN))
#define TE (C(TRAIN_ENCODER) | C(RUN))
#define TRAIN (TG | TE)
#define ALL ((1u << CMD_COUNT) - 1)
#define OFF(f) offsetof(fg_options, f)

typedef struct {
    const char *name, *arg, *help;
    opt_type type;
    size_t off;
    double lo, hi;
    unsigned cmds;
    bool saved; /* part of the run's settings, written to options.txt */
} opt_def;

static const opt_def opts[] = {
    {"data", "SPEC", "training and test images: fashion-mnist:CLASS, mvtec:DIR/CATEGORY or\n"
                     "folder:TRAIN_DIR[,TEST_DIR[,MASK_DIR]] (see docs/fanogan.md)",
     T_STR, OFF(data), 0, 0, TRAIN | C(SCORE) | C(COMPARE), true},
    {"out", "DIR", "the run's folder (default fanogan-run)", T_STR, OFF(out), 0, 0, ALL, false},
    {"arch", "NAME", "dcgan, dcgan-t, resnet or mlp (default dcgan)", T_ARCH, OFF(arch), 0, 0, TG, true},
    {"img-size", "N", "image height and width, a multiple of 16 for the convolutional networks\n"
                      "(default 32 for Fashion-MNIST, padded from 28, or 28 for mlp; 64 otherwise)",
     T_INT, OFF(img_size), 4, 1024, TG, true},
    {"channels", "N", "1 (gray) or 3 (RGB) (default: as the training images)", T_INT, OFF(channels), 1, 3, TG,
     true},
    {"latent", "N", "size of the latent vector z (default 100)", T_INT, OFF(latent), 1, 4096, TG, true},
    {"dim", "N", "width of the resnet networks (default 16)", T_INT, OFF(dim), 1, 1024, TG, true},
    {"gan-epochs", "N", "epochs of the GAN phase (default 10)", T_INT, OFF(gan_epochs), 1, 1e6, TG, true},
    {"encoder-epochs", "N", "epochs of the encoder phase (default 10)", T_INT, OFF(encoder_epochs), 1, 1e6, TE,
     true},
    {"max-train", "N", "at most N training images per epoch, drawn anew each epoch (default: all)", T_LLONG,
     OFF(max_train), 1, 1e12, TRAIN, true},
    {"max-test", "N", "score N test images spread evenly over the test set (default: all)", T_LLONG,
     OFF(max_test), 1, 1e12, C(SCORE) | C(RUN), true},
    {"batch", "N", "training batch size (default 64)", T_INT, OFF(batch), 1, 65536, TRAIN, true},
    {"lr", "X", "Adam learning rate of all three networks (default 2e-4; betas 0.5, 0.999)", T_REAL, OFF(lr),
     1e-12, 1e10, TRAIN, true},
    {"n-critic", "N", "critic steps per generator step (default 5)", T_INT, OFF(n_critic), 1, 1000, TG, true},
    {"lambda-gp", "X", "weight of the gradient penalty (default 10)", T_REAL, OFF(lambda_gp), 0, 1e6, TG, true},
    {"encoder-mode", "MODE", "izif, izi or ziz: what the encoder learns to reconstruct (default izif)", T_MODE,
     OFF(encoder_mode), 0, 0, TE, true},
    {"kappa", "X", "weight of the critic-feature distance in the izif loss and the score (default 1)", T_REAL,
     OFF(kappa), 0, 1e6, TE | C(SCORE), true},
    {"distance", "NAME", "image distance of the score: mse or ssim (default mse)", T_DIST, OFF(distance), 0, 0,
     C(SCORE) | C(RUN), true},
    {"seed", "N", "seed of the weights, the noise and the data order (default 1)", T_LLONG, OFF(seed), 0, 1e18,
     TRAIN, true},
    {"examples", "K", "how many worst and best test images to show (default 8)", T_INT, OFF(examples), 1, 1000,
     C(COMPARE) | C(RUN), true},
    {"threshold", "X", "anomaly score from which an image is anomalous (default: the F1-best one\n"
                       "that score saved in metrics.json)",
     T_REAL, OFF(threshold), -1e300, 1e300, C(PREDICT), false},
    {"predict-dir", "DIR", "where predict writes predictions.csv and heatmaps (default OUT/predict)", T_STR,
     OFF(predict_dir), 0, 0, C(PREDICT), false},
    {"threads", "N", "threads of the kernels (default: NB_NUM_THREADS or all cores)", T_INT, OFF(threads), 1, 256,
     ALL, false},
    {"resume", NULL, "continue from the last checkpoint in OUT", T_FLAG, OFF(resume), 0, 0, TRAIN, false},
};
#define N_OPTS (int)(sizeof opts / sizeof opts[0])

static const char *const command_names[CMD_COUNT] = {"train-gan", "train-encoder", "score", "compare",
                                                     "report",    "predict",       "run"};
static const char *const command_help[CMD_COUNT] = {
    "Trains the WGAN-GP generator and critic on the normal training images.",
    "Trains the encoder (generator and critic frozen) so that G(E(x)) reconstructs x.",
    "Scores the test images: OUT/score.csv, OUT/metrics.json (ROC/PR-AUC, F1 threshold,\n"
    "per-defect AUCs, pixel ROC-AUC and AUPRO when there are masks).",
    "Writes input | reconstruction | difference grids and residual heatmaps of the\n"
    "worst and best scored test images to OUT/compare/.",
    "Writes OUT/report.html from the scores, metrics, examples and losses.",
    "Scores new images (PNG files or folders of them) with a trained run: one CSV row per\n"
    "image, its decision against the threshold and a heatmap.",
    "Runs train-gan, train-encoder, score, compare and report in turn."};
static const char *const command_summary[CMD_COUNT] = {
    "train the generator and critic (WGAN-GP) on normal images",
    "train the encoder against the frozen GAN",
    "score the test images: score.csv, metrics.json",
    "grids and heatmaps of the worst and best test images",
    "write report.html",
    "score new images (files or folders) with a trained run",
    "all of train-gan, train-encoder, score, compare, report"};
static const char *const distance_names[] = {"mse", "ssim"};

const char *fg_command_name(fg_command cmd) { return cmd >= 0 && cmd < CMD_COUNT ? command_names[cmd] : "?"; }
const char *fg_distance_name(int d) { return d == 0 || d == 1 ? distance_names[d] : "?"; }

void fg_usage(fg_command cmd, FILE *f) {
    if (cmd < 0 || cmd >= CMD_COUNT) {
        fprintf(f, "usage: fanogan COMMAND [options]   (fanogan COMMAND --help for its options)\n"
                   "f-AnoGAN anomaly detection: train on normal images, score new ones.\n\n");
        for (int c = 0; c < CMD_COUNT; c++) fprintf(f, "  %-14s %s\n", command_names[c], command_summary[c]);
        fprintf(f, "\nExample: fanogan run --data fashion-mnist:sneaker --out run1 --gan-epochs 5\n");
        return;
    }
    fprintf(f, "usage: fanogan %s [options]%s\n%s\n\noptions:\n", command_names[cmd],
            cmd == CMD_PREDICT ? " IMAGE_OR_FOLDER..." : "", command_help[cmd]);
    for (int k = 0; k < N_OPTS; k++) {
        if (!(opts[k].cmds & (1u << cmd))) continue;
        char head[64];
        snprintf(head, sizeof head, "--%s%s%s", opts[k].name, opts[k].arg ? " " : "", opts[k].arg ? opts[k].arg : "");
        fprintf(f, "  %-22s ", head);
        for (const char *h = opts[k].help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n') fprintf(f, "  %-22s ", "");
        }
        fputc('\n', f);
    }
    fprintf(f, "  %-22s this text\n", "--help");
}

static void defaults(fg_options *o) {
    *o = (fg_options){.out = "fanogan-run",
                      .arch = NB_FANOGAN_DCGAN,
                      .latent = 100,
                      .dim = 16,
                      .gan_epochs = 10,
                      .encoder_epochs = 10,
                      .batch = 64,
                      .n_critic = 5,
                      .examples = 8,
                      .seed = 1,
                      .lr = 2e-4,
                      .kappa = 1,
                      .lambda_gp = 10,
                      .threshold = NAN,
                      .encoder_mode = NB_FANOGAN_IZIF,
                      .distance = NB_FANOGAN_DIST_MSE};
}

static int find_opt(const char *name, size_t len) {
    for (int k = 0; k < N_OPTS; k++)
        if (strlen(opts[k].name) == len && !strncmp(opts[k].name, name, len)) return k;
    return -1;
}

/* The model's message about option d's value (without its own "fanogan: "). */
static int model_error(const opt_def *d) {
    fprintf(stderr, "fanogan: --%s: %s\n", d->name, fg_model_message());
    nb_error_clear();
    return -1;
}

/* Stores the text value v of option k into o; a message on stderr and -1 when
 * v does not fit. */
static int set_value(fg_options *o, int k, const char *v) {
    const opt_def *d = &opts[k];
    void *field = (char *)o + d->off;
    char *end = NULL;
    errno = 0;
    switch (d->type) {
    case T_FLAG: *(bool *)field = true; return 0;
    case T_STR:
        if (!*v) break;
        *(const char **)field = v;
        return 0;
    case T_INT:
    case T_LLONG: {
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end || x < d->lo || x > d->hi) break;
        if (d->off == OFF(channels) && x == 2) break; /* images are gray or RGB */
        if (d->type == T_INT)
            *(int *)field = (int)x;
        else
            *(long long *)field = x;
        return 0;
    }
    case T_REAL: {
        double x = strtod(v, &end);
        if (errno || end == v || *end || !(x >= d->lo && x <= d->hi)) break;
        *(double *)field = x;
        return 0;
    }
    case T_ARCH: {
        nb_fanogan_arch a;
        if (nb_fanogan_arch_parse(v, &a)) return model_error(d);
        *(int *)field = (int)a;
        return 0;
    }
    case T_MODE: {
        nb_fanogan_encoder_mode m;
        if (nb_fanogan_encoder_mode_parse(v, &m)) return model_error(d);
        *(int *)field = (int)m;
        return 0;
    }
    case T_DIST:
        for (int i = 0; i < 2; i++)
            if (!strcmp(v, distance_names[i])) return *(int *)field = i, 0;
        break;
    }
    if (d->off == OFF(channels))
        fprintf(stderr, "fanogan: --%s needs 1 (gray) or 3 (RGB), got '%s'\n", d->name, v);
    else if (d->type == T_INT || d->type == T_LLONG)
        fprintf(stderr, "fanogan: --%s needs an integer in %.0f..%.0f, got '%s'\n", d->name, d->lo, d->hi, v);
    else if (d->type == T_REAL)
        fprintf(stderr, "fanogan: --%s needs a number in [%g, %g], got '%s'\n", d->name, d->lo, d->hi, v);
    else
        fprintf(stderr, "fanogan: --%s: bad value '%s'\n", d->name, v);
    return -1;
}

/* The text of option k's current value (for options.txt and the report). */
static void format_value(const fg_options *o, int k, char *buf, size_t size) {
    const void *field = (const char *)o + opts[k].off;
    switch (opts[k].type) {
    case T_FLAG: snprintf(buf, size, "%s", *(const bool *)field ? "yes" : "no"); break;
    case T_STR: snprintf(buf, size, "%s", *(const char *const *)field ? *(const char *const *)field : ""); break;
    case T_INT: snprintf(buf, size, "%d", *(const int *)field); break;
    case T_LLONG: snprintf(buf, size, "%lld", *(const long long *)field); break;
    case T_REAL: fg_format_real(buf, size, *(const double *)field); break;
    case T_ARCH: snprintf(buf, size, "%s", nb_fanogan_arch_name(*(const int *)field)); break;
    case T_MODE: snprintf(buf, size, "%s", nb_fanogan_encoder_mode_name(*(const int *)field)); break;
    case T_DIST: snprintf(buf, size, "%s", fg_distance_name(*(const int *)field)); break;
    }
}

/* Whether option k holds its "not set" value: no text, or 0 for a number
 * whose range starts above it (--max-train 0 is "all", --img-size 0 "from
 * the data"). */
static bool unset(const fg_options *o, int k) {
    const void *field = (const char *)o + opts[k].off;
    switch (opts[k].type) {
    case T_STR: return !*(const char *const *)field;
    case T_INT: return *(const int *)field < opts[k].lo;
    case T_LLONG: return *(const long long *)field < opts[k].lo;
    default: return false;
    }
}

/* Reads OUT/options.txt over o. 0, or -1 with nb_error set. */
static int load_saved(fg_options *o, const char *path) {
    char *text = fg_read_text(path);
    if (!text) return -1;
    int rc = 0;
    for (char *line = strtok(text, "\n"); line && !rc; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        int k = sp ? find_opt(line, (size_t)(sp - line)) : -1;
        if (k < 0 || !opts[k].saved) continue; /* a setting of a newer or older version: ignored */
        char *v = sp + 1;
        if (opts[k].type == T_STR) { /* kept after the text is freed */
            if (o->n_strings == (int)(sizeof o->strings / sizeof o->strings[0])) break;
            v = o->strings[o->n_strings++] = strdup(v);
        }
        if (!v || set_value(o, k, v)) {
            nb_error_set("%s: bad line '%s'", path, line);
            rc = -1;
        }
    }
    free(text);
    return rc;
}

bool fg_option_given(const fg_options *o, const char *name) {
    int k = find_opt(name, strlen(name));
    return k >= 0 && (o->given >> k & 1);
}

/* Whether this subcommand continues a run whose options.txt it starts from. */
static bool continues_run(fg_command cmd, int argc, char **argv) {
    if (cmd != CMD_TRAIN_GAN && cmd != CMD_RUN) return true;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--resume")) return true;
    return false;
}

/* The value of --out on the command line, before the full parse. */
static const char *find_out(int argc, char **argv, const char *dflt) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) return argv[i + 1];
        if (!strncmp(argv[i], "--out=", 6)) return argv[i] + 6;
    }
    return dflt;
}

static int parse_args(fg_command cmd, int argc, char **argv, fg_options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return 1;
        if (strncmp(a, "--", 2) || !a[2]) {
            if (cmd != CMD_PREDICT || !*a) {
                fprintf(stderr, "fanogan: unexpected argument '%s'\n", a);
                return 2;
            }
            o->inputs[o->n_inputs++] = argv[i];
            continue;
        }
        const char *eq = strchr(a + 2, '=');
        int k = find_opt(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
        if (k < 0 || !(opts[k].cmds & (1u << cmd))) {
            fprintf(stderr, "fanogan: %s option '%s'\n", k < 0 ? "unknown" : "this command takes no", a);
            return 2;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (opts[k].type != T_FLAG && !v) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fanogan: %s needs a value\n", a);
                return 2;
            }
            v = argv[++i];
        } else if (opts[k].type == T_FLAG && v) {
            fprintf(stderr, "fanogan: %s takes no value\n", a);
            return 2;
        }
        if (set_value(o, k, v ? v : "")) return 2;
        o->given |= 1ull << k;
    }
    if (cmd == CMD_PREDICT && !o->n_inputs) {
        fprintf(stderr, "fanogan: predict needs at least one image or folder\n");
        return 2;
    }
    return 0;
}

int fg_options_parse(fg_command cmd, int argc, char **argv, fg_options *o) {
    defaults(o);
    o->cmd = cmd;
    o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
    if (!o->inputs) return fprintf(stderr, "fanogan: out of memory\n"), 2;
    o->out = find_out(argc, argv, o->out);
    char saved[4200];
    snprintf(saved, sizeof saved, "%s/options.txt", o->out);
    int rc = parse_args(cmd, argc, argv, o); /* first pass: flags and syntax only */
    if (rc) return rc;
    if (continues_run(cmd, argc, argv)) {
        if (!fg_file_exists(saved)) {
            if (cmd != CMD_TRAIN_GAN && cmd != CMD_RUN) {
                fprintf(stderr, "fanogan: %s holds no run (no options.txt): train one first, e.g.\n"
                                "  fanogan run --data fashion-mnist:sneaker --out %s\n", o->out, o->out);
                return 3;
            }
        } else {
            char **inputs = o->inputs;
            defaults(o);
            o->cmd = cmd;
            o->inputs = inputs;
            if (load_saved(o, saved)) {
                fprintf(stderr, "fanogan: %s\n", nb_error());
                nb_error_clear();
                return 3;
            }
            rc = parse_args(cmd, argc, argv, o); /* the command line over the saved settings */
        }
    }
    if (!rc && !o->data && (cmd == CMD_TRAIN_GAN || cmd == CMD_RUN)) {
        fprintf(stderr, "fanogan: --data is required (e.g. --data fashion-mnist:sneaker)\n");
        return 2;
    }
    return rc;
}

void fg_options_free(fg_options *o) {
    for (int i = 0; i < o->n_strings; i++) free(o->strings[i]);
    free(o->inputs);
    o->n_strings = 0;
    o->inputs = NULL;
}

int fg_options_save(const fg_options *o) {
    char path[4200], tmp[4300], v[1200];
    if (fg_mkdirs(o->out) || fg_path(path, sizeof path, "%s/options.txt", o->out) ||
        fg_path(tmp, sizeof tmp, "%s.tmp", path))
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return nb_error_set("cannot write %s: %s", tmp, strerror(errno)), -1;
    for (int k = 0; k < N_OPTS; k++) {
        if (!opts[k].saved || unset(o, k)) continue;
        format_value(o, k, v, sizeof v);
        fprintf(f, "%s %s\n", opts[k].name, v);
    }
    if (fclose(f) || rename(tmp, path)) return nb_error_set("cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

int fg_options_describe(const fg_options *o, nb_report_item *items, char (*values)[64], int max) {
    int n = 0;
    for (int k = 0; k < N_OPTS && n < max; k++) {
        if (!opts[k].saved || unset(o, k)) continue;
        format_value(o, k, values[n], 64);
        items[n] = (nb_report_item){opts[k].name, values[n]};
        n++;
    }
    return n;
}
