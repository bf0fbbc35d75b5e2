/* tool.h — the fanogan command-line tool's shared declarations: its options,
 * the data wiring, checkpoints, training, scoring and output helpers. Each
 * subcommand lives in its own file; every function returning int gives 0, or
 * -1 with the message recorded through nb_error_set (main prints it as
 * "fanogan: <message>" and exits 1). */
#ifndef FANOGAN_TOOL_H
#define FANOGAN_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "nb_eval.h"
#include "nb_fanogan.h"
#include "nb_io.h"

/* ---- subcommands ------------------------------------------------------------- */
typedef enum {
    CMD_TRAIN_GAN,
    CMD_TRAIN_ENCODER,
    CMD_SCORE,
    CMD_COMPARE,
    CMD_REPORT,
    CMD_PREDICT,
    CMD_RUN,
    CMD_COUNT
} fg_command;

/* ---- options (options.c) -------------------------------------------------------- */
typedef struct {
    fg_command cmd;
    const char *data, *out;
    int arch, img_size, channels, latent, dim; /* img_size, channels 0: chosen from the data */
    int gan_epochs, encoder_epochs, batch, n_critic, threads, examples;
    long long seed, max_train, max_test;
    double lr, kappa, lambda_gp, threshold; /* threshold NAN: the one score chose */
    int encoder_mode, distance;
    bool resume;
    const char *predict_dir;
    /* predict: the images and folders to score */
    int n_inputs;
    char **inputs;
    /* which options the command line gave (index into the option table) */
    unsigned long long given;
    /* storage of string values read from options.txt */
    char *strings[8];
    int n_strings;
} fg_options;

/* Parses argv (argv[0] is the subcommand) over the defaults or, for every
 * subcommand but a fresh train-gan / run, over the run's OUT/options.txt.
 * Returns 0; 1 for --help; 2 for a bad flag (message printed, usage wanted);
 * 3 for another error (message printed). */
int fg_options_parse(fg_command cmd, int argc, char **argv, fg_options *o);
void fg_options_free(fg_options *o);
/* OUT/options.txt: the effective options, so the next subcommand and the
 * report know how the run was made. */
int fg_options_save(const fg_options *o);
bool fg_option_given(const fg_options *o, const char *name);
/* Settings as "key", "value" pairs for the report (n written, at most max). */
int fg_options_describe(const fg_options *o, nb_report_item *items, char (*values)[64], int max);
void fg_usage(fg_command cmd, FILE *f);
const char *fg_command_name(fg_command cmd);
const char *fg_distance_name(int d); /* "mse", "ssim" */

/* ---- data (data.c) ------------------------------------------------------------------ */
typedef struct {
    enum { DATA_FASHION, DATA_MVTEC, DATA_FOLDER } kind;
    int fashion_class;
    char dir[1024], category[256];         /* fashion-mnist dir; mvtec root and category */
    char train[1024], test[1024], masks[1024]; /* folder: train, test, mask dirs ("" if none) */
} fg_data;

int fg_data_parse(const char *spec, fg_data *out);
nb_dataset *fg_data_open(const fg_data *d, bool train);
/* The model's default image size and channel count for this data (img_size and
 * channels 0 in the options), reading the first training image if needed. */
int fg_data_defaults(const fg_data *d, const nb_dataset *train, int arch, int *img_size, int *channels);
/* The pipeline from an image (of the dataset, or a file given to predict) to
 * the model's [C,H,W] in [-1, 1]. Fashion-MNIST images are brought to 28 x 28
 * and padded to the model's size; others are resized to it. */
nb_transform fg_data_transform(const fg_data *d, const nb_fanogan_config *c);
/* Item i of ds (or the PNG file `path` when ds is NULL) through tf into slot k
 * of batch [N,C,H,W] — as the io loader does it, so the numbers are the same —
 * and, when masks ([N,1,H,W]) is given, its ground-truth mask into slot k. */
int fg_load_into(const nb_dataset *ds, int64_t i, const char *path, const nb_transform *tf, nb_tensor *batch,
                 int64_t k, nb_tensor *masks);
bool fg_data_has_masks(const nb_dataset *ds);

/* ---- checkpoints (checkpoint.c) -------------------------------------------------------- */
typedef enum { PHASE_GAN, PHASE_ENCODER } fg_phase;

/* Where training stands: `epoch` epochs done plus `batch` batches of the next. */
typedef struct {
    fg_phase phase;
    long long epoch, batch, step;
    double seconds; /* training time so far */
} fg_position;

/* The model and the optimizers of the phase; unused optimizers are NULL. */
typedef struct {
    nb_fanogan *model;
    nb_optim *opt_d, *opt_g, *opt_e;
} fg_state;

void fg_checkpoint_path(const fg_options *o, fg_phase phase, char *buf, size_t size);
int fg_checkpoint_save(const char *path, const fg_state *s, const fg_position *p);
/* Reads a checkpoint's config and progress without building a model. */
int fg_checkpoint_peek(const char *path, nb_fanogan_config *cfg, fg_position *p);
/* Loads into s (built with the checkpoint's config); its optimizers that are
 * not NULL must be in the file. */
int fg_checkpoint_load(const char *path, fg_state *s, fg_position *p);
/* A model with the weights of the finished encoder phase, for scoring. */
nb_fanogan *fg_load_trained(const fg_options *o);

/* ---- training (train_gan.c, train_encoder.c, train_loop.c) -------------------------------- */
/* The model's config from the options (image size and channels resolved). */
nb_fanogan_config fg_config_from_options(const fg_options *o);
int fg_train_gan(const fg_options *o);
int fg_train_encoder(const fg_options *o);

/* ---- scores and metrics (score.c, score_csv.c, metrics_json.c) ----------------------------- */
typedef struct {
    int64_t n;
    char **path, **defect;
    uint8_t *label;
    double *img_distance, *anomaly_score, *z_distance;
} fg_scores;

int fg_score(const fg_options *o);
/* nb_fanogan_score of x ([k,C,H,W], any k), one image at a time so that an
 * image's numbers never depend on the others (see scorer.c); out's tensors are
 * [k, ...] in the current arena. */
int fg_score_images(nb_fanogan *m, const fg_options *o, nb_tensor *x, nb_fanogan_scores *out);
int fg_scores_alloc(fg_scores *s, int64_t n);
void fg_scores_free(fg_scores *s);
int fg_scores_write(const char *path, const fg_scores *s);
int fg_scores_read(const char *path, fg_scores *s);
/* OUT/score.csv, with a hint when score has not run. */
int fg_run_scores_read(const fg_options *o, fg_scores *s);
/* One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a newline. */
void fg_csv_field(FILE *f, const char *v);
/* The field at *p of a line, unquoted in place and ended with a NUL; *p moves
 * to the next field, or to NULL after the last. NULL when *p is NULL. */
char *fg_csv_next(char **p);

/* What score.c measures and metrics.json holds. */
typedef struct {
    int64_t n, n_anomalous;
    double roc_auc, pr_auc, f1, threshold;
    double roc_auc_img, roc_auc_z; /* the other two scores alone */
    int n_defects;
    char **defect_names;
    double *defect_auc;
    bool has_pixel;
    nb_pixel_metrics pixel;
    double heatmap_vmax; /* residual shown at full color; 0 when unknown */
} fg_metrics;

int fg_metrics_compute(const fg_scores *s, fg_metrics *m);
int fg_metrics_write(const char *path, const fg_metrics *m, const fg_options *o);
/* One number of metrics.json by key (NAN when absent or null). */
int fg_metrics_read_value(const char *path, const char *key, double *out);
void fg_metrics_free(fg_metrics *m);
/* Defect type per sample (0 normal, k for names[k-1]) from the scores' defect
 * column: the distinct defects of the anomalous samples, in order of appearance. */
int fg_defect_types(const fg_scores *s, int **types, char ***names, int *n_names);

/* ---- compare, report, predict -------------------------------------------------------------- */
int fg_compare(const fg_options *o);
int fg_report(const fg_options *o);
int fg_predict(const fg_options *o);
/* An image of a residual map over its input, colored on [0, vmax] (vmax <= 0:
 * the map's own range). */
int fg_write_heatmap(const char *path, nb_tensor *x, nb_tensor *residual, double vmax);

/* ---- losses log (losses.c) ---------------------------------------------------------------- */
/* OUT/losses.csv, one row per logged interval, appended as training goes. */
typedef struct {
    FILE *f;
    fg_phase phase;
    long long epoch, first_step;
    int count, g_count;
    nb_fanogan_losses sum;
} fg_loss_log;

/* Opens the log for appending after dropping the rows of this phase past
 * `keep_step` (and all rows of later phases); keep_step < 0 drops the phase. */
int fg_loss_log_open(fg_loss_log *l, const fg_options *o, fg_phase phase, long long keep_step);
/* Adds one step's losses (g_step: the generator stepped too); writes a row
 * every `every` steps and at flush. */
int fg_loss_log_add(fg_loss_log *l, long long epoch, long long step, double seconds, const nb_fanogan_losses *x,
                    bool g_step, int every);
int fg_loss_log_flush(fg_loss_log *l, double seconds);
void fg_loss_log_close(fg_loss_log *l);

/* The log read back for the report: columns by name. */
typedef struct {
    int64_t n;
    int *phase;
    double *step, *cols[7];
} fg_loss_table;
extern const char *const fg_loss_columns[7];
int fg_loss_table_read(const char *path, fg_loss_table *t);
void fg_loss_table_free(fg_loss_table *t);

/* ---- progress (progress.c) ----------------------------------------------------------------- */
typedef struct {
    const char *label;
    int64_t total, done, start_done;
    double t0, last;
    bool tty;
    int width;
} fg_progress;

void fg_progress_start(fg_progress *p, const char *label, int64_t total, int64_t done);
/* done units so far and a short status ("D -1.2 G 0.3"), shown at most a few
 * times a second on a terminal and every 10 s otherwise. */
void fg_progress_update(fg_progress *p, int64_t done, const char *status);
void fg_progress_end(fg_progress *p, const char *status);

/* ---- interrupts (interrupt.c) --------------------------------------------------------------- */
/* While installed (during training), SIGINT / SIGTERM set a flag that
 * training checks between steps; a second SIGINT ends the program at once.
 * Removed, they end it at once. */
void fg_interrupt_install(void);
void fg_interrupt_remove(void);
bool fg_interrupted(void);

/* ---- small helpers (util.c) ------------------------------------------------------------------ */
int fg_mkdirs(const char *path);
/* snprintf into buf, failing with a message when the result does not fit. */
int fg_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool fg_file_exists(const char *path);
double fg_now(void); /* seconds, monotonic */
/* Writes an image to a PNG, failing with its path in the message. */
int fg_write_png(const char *path, const nb_image *img);
/* The same for pictures of images of image_size pixels (grids, heatmaps):
 * small ones are enlarged (nearest neighbour, in place) to about FG_VIEW_SIZE
 * pixels per image, so that they can be looked at. */
#define FG_VIEW_SIZE 96
int fg_write_view(const char *path, nb_image *img, int image_size);
/* A seed derived from the run's seed for (stream, index): independent streams
 * so that each training step's random draws depend only on where it is. */
uint64_t fg_mix_seed(uint64_t seed, uint64_t stream, uint64_t index);
/* The final component of a path without its extension, made safe as a file name. */
void fg_stem(const char *path, char *buf, size_t size);
/* Text of a file (malloc'ed, NUL-terminated), NULL with an error. */
char *fg_read_text(const char *path);
/* A real for people and for files read back: the shortest text (at least 6
 * significant digits) that parses to exactly v. size: 32 is enough. */
void fg_format_real(char *buf, size_t size, double v);
void fg_set_threads(const fg_options *o);
/* Image i of a batch [N, ...] as a [...] view. */
nb_tensor *fg_item(nb_tensor *batch, int64_t i);
/* The pending error message without the "fanogan: " the model's messages
 * start with (the tool adds its own). */
const char *fg_model_message(void);
/* Replaces the pending error message m by before + m + after; returns -1. */
int fg_error_reword(const char *before, const char *after);

#endif
