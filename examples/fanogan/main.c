/* main.c — fanogan, f-AnoGAN anomaly detection from the command line:
 *
 *   fanogan run --data fashion-mnist:sneaker --out run1     train, score, report
 *   fanogan predict --out run1 photo.png folder/             score new images
 *
 * Dispatches the subcommands (train-gan, train-encoder, score, compare,
 * report, predict, run). Exit status: 0 done, 1 an error ("fanogan: <what>"
 * on stderr), 2 a bad command line (with the usage), 130 stopped by Ctrl-C
 * after saving a checkpoint. See docs/fanogan.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tool.h"

/* Image size and channel count from the data when not given; then the
 * model's configuration must be valid. 0; -1 on an error; 2 when the options
 * do not make a model (the data's own sizes always do, and the option ranges
 * keep everything else in the model's, so it is --img-size for --arch). */
static int resolve_model(fg_options *o) {
    fg_data d;
    nb_dataset *train = NULL;
    int rc = fg_data_parse(o->data, &d) || !(train = fg_data_open(&d, true)) ||
                     fg_data_defaults(&d, train, o->arch, &o->img_size, &o->channels) ? -1 : 0;
    if (train) nb_dataset_free(train);
    if (rc) return -1;
    nb_fanogan_config cfg = fg_config_from_options(o);
    if (!nb_fanogan_config_check(&cfg)) return 0;
    char what[512];
    snprintf(what, sizeof what, "%s", fg_model_message());
    nb_error_clear();
    nb_error_set("--img-size %d --arch %s: %s", o->img_size, nb_fanogan_arch_name(o->arch), what);
    return 2;
}

/* 0 done, -1 an error, 2 options that make no model. */
static int run_command(fg_command cmd, fg_options *o) {
    fg_set_threads(o);
    if (cmd == CMD_TRAIN_GAN || cmd == CMD_RUN) {
        int rc = resolve_model(o);
        if (rc || fg_options_save(o)) return rc ? rc : -1;
    } else if (cmd == CMD_TRAIN_ENCODER || cmd == CMD_SCORE) {
        if (fg_options_save(o)) return -1;
    }
    switch (cmd) {
    case CMD_TRAIN_GAN: return fg_train_gan(o);
    case CMD_TRAIN_ENCODER: return fg_train_encoder(o);
    case CMD_SCORE: return fg_score(o);
    case CMD_COMPARE: return fg_compare(o);
    case CMD_REPORT: return fg_report(o);
    case CMD_PREDICT: return fg_predict(o);
    case CMD_RUN: break;
    case CMD_COUNT: return -1;
    }
    if (fg_train_gan(o) || fg_train_encoder(o) || fg_score(o) || fg_compare(o) || fg_report(o)) return -1;
    char path[4200];
    double auc = NAN;
    snprintf(path, sizeof path, "%s/metrics.json", o->out);
    if (fg_metrics_read_value(path, "image_roc_auc", &auc)) return -1;
    printf("done: image ROC-AUC %.4f; report %s/report.html\n", auc, o->out);
    return 0;
}

int main(int argc, char **argv) {
    fg_command cmd = CMD_COUNT;
    for (int c = 0; argc > 1 && c < CMD_COUNT; c++)
        if (!strcmp(argv[1], fg_command_name(c))) cmd = (fg_command)c;
    if (cmd == CMD_COUNT) {
        bool help = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"));
        if (!help) fprintf(stderr, argc > 1 ? "fanogan: unknown command '%s'\n" : "fanogan: no command given\n",
                           argc > 1 ? argv[1] : "");
        fg_usage(CMD_COUNT, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    fg_options o;
    int rc = fg_options_parse(cmd, argc - 1, argv + 1, &o);
    if (rc == 1 || rc == 2) fg_usage(cmd, rc == 1 ? stdout : stderr);
    if (rc == 0) {
        rc = run_command(cmd, &o);
        if (rc) {
            fprintf(stderr, "fanogan: %s\n", nb_error() ? nb_error() : "failed");
            if (rc == 2) fg_usage(cmd, stderr);
            rc = rc == 2 ? 2 : fg_interrupted() ? 130 : 1;
        }
    } else {
        rc = rc == 1 ? 0 : rc == 2 ? 2 : 1;
    }
    fg_options_free(&o);
    return rc;
}
