/* checkpoint.c — the fanogan tool's checkpoints: one .npz per training phase
 * (OUT/gan.npz, OUT/encoder.npz) holding
 *   model.<name>            every tensor of the model's state dict (G, D and E)
 *   opt_d. / opt_g. / opt_e.<name>   the Adam state of the phase's optimizers
 *   meta.format [1]          this layout's version
 *   meta.config [5]          arch, image size, channels, latent size, resnet width
 *   meta.arch [k]            the architecture's name, one character per entry
 *   meta.position [4]        phase, epochs done, batches done of the next, steps
 *   meta.milliseconds [1]    training time so far
 * nb_npz_write writes a temporary file, fsyncs and renames it, so a crash
 * while saving leaves the previous checkpoint whole. */
#include <stdlib.h>
#include <string.h>
#include "tool.h"

#define FORMAT 1
#define N_META 5
static const char *const opt_prefix[3] = {"opt_d.", "opt_g.", "opt_e."};

void fg_checkpoint_path(const fg_options *o, fg_phase phase, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s.npz", o->out, phase == PHASE_GAN ? "gan" : "encoder");
}

static const nb_named_tensors *opt_state(const fg_state *s, int k) {
    nb_optim *o = k == 0 ? s->opt_d : k == 1 ? s->opt_g : s->opt_e;
    return o ? nb_optim_state(o) : NULL;
}

/* Appends the group's tensors as entries named prefix + name; the names go to
 * the text buffer at *text. */
static int add_group(nb_npz_entry *e, int n, const nb_named_tensors *g, const char *prefix, char **text) {
    for (int i = 0; g && i < g->n; i++) {
        e[n++] = (nb_npz_entry){.name = *text, .tensor = g->tensors[i]};
        *text += sprintf(*text, "%s%s", prefix, g->names[i]) + 1;
    }
    return n;
}

static size_t group_chars(const nb_named_tensors *g) {
    size_t n = 0;
    for (int i = 0; g && i < g->n; i++) n += strlen(g->names[i]) + 8;
    return n;
}

int fg_checkpoint_save(const char *path, const fg_state *s, const fg_position *p) {
    const nb_named_tensors *model = nb_fanogan_state_dict(s->model);
    if (!model) return -1;
    int total = model->n + N_META;
    size_t chars = group_chars(model);
    for (int k = 0; k < 3; k++) {
        const nb_named_tensors *g = opt_state(s, k);
        total += g ? g->n : 0;
        chars += group_chars(g);
    }
    nb_npz_entry *e = calloc((size_t)total, sizeof *e);
    char *text = malloc(chars + 1), *cursor = text;
    if (!e || !text) {
        free(e);
        free(text);
        return nb_error_set("checkpoint %s: out of memory", path), -1;
    }
    int n = add_group(e, 0, model, "model.", &cursor);
    for (int k = 0; k < 3; k++) n = add_group(e, n, opt_state(s, k), opt_prefix[k], &cursor);
    const nb_fanogan_config *c = &s->model->cfg;
    const char *arch = nb_fanogan_arch_name(c->arch);
    int64_t format = FORMAT, config[5] = {c->arch, c->image_size, c->channels, c->latent_dim, c->dim};
    int64_t position[4] = {p->phase, p->epoch, p->batch, p->step}, ms = (int64_t)(p->seconds * 1000);
    int64_t arch_chars[32] = {0};
    int n_arch = 0;
    for (; arch[n_arch] && n_arch < 32; n_arch++) arch_chars[n_arch] = (unsigned char)arch[n_arch];
    e[n++] = (nb_npz_entry){.name = "meta.format", .ints = &format, .ndim = 1, .shape = {1}};
    e[n++] = (nb_npz_entry){.name = "meta.config", .ints = config, .ndim = 1, .shape = {5}};
    e[n++] = (nb_npz_entry){.name = "meta.arch", .ints = arch_chars, .ndim = 1, .shape = {n_arch}};
    e[n++] = (nb_npz_entry){.name = "meta.position", .ints = position, .ndim = 1, .shape = {4}};
    e[n++] = (nb_npz_entry){.name = "meta.milliseconds", .ints = &ms, .ndim = 1, .shape = {1}};
    int rc = nb_npz_write(path, n, e);
    free(e);
    free(text);
    return rc;
}

/* Restates a pending error as "checkpoint PATH: <it>", or sets `what`. */
static int fail(const char *path, const char *what) {
    char before[4300];
    snprintf(before, sizeof before, "checkpoint %s: ", path);
    if (!nb_error()) nb_error_set("%s", what);
    return fg_error_reword(before, "");
}

/* An integer array of the archive with exactly n entries, or NULL. */
static const int64_t *meta(const nb_npz *z, const char *name, int64_t n) {
    const nb_npz_array *a = nb_npz_find(z, name);
    return a && a->ints && a->tensor && a->tensor->numel == n ? a->ints : NULL;
}

/* The metadata of a loaded archive into cfg and p. */
static int read_meta(const char *path, const nb_npz *z, nb_fanogan_config *cfg, fg_position *p) {
    const int64_t *format = meta(z, "meta.format", 1), *config = meta(z, "meta.config", 5),
                  *pos = meta(z, "meta.position", 4), *ms = meta(z, "meta.milliseconds", 1);
    if (!format || !config || !pos || !ms) return fail(path, "not a fanogan checkpoint (no meta.* records)");
    if (*format != FORMAT) return fail(path, "written by another version of fanogan (format differs)");
    *cfg = (nb_fanogan_config){(nb_fanogan_arch)config[0], (int)config[1], (int)config[2], (int)config[3],
                               (int)config[4]};
    if (nb_fanogan_config_check(cfg)) return fail(path, "bad model configuration");
    if ((pos[0] != PHASE_GAN && pos[0] != PHASE_ENCODER) || pos[1] < 0 || pos[2] < 0 || pos[3] < 0)
        return fail(path, "bad meta.position");
    *p = (fg_position){(fg_phase)pos[0], pos[1], pos[2], pos[3], (double)ms[0] / 1000};
    return 0;
}

/* Loads the archive's tensors named prefix.* into dst (every name of dst must
 * be there). */
static int load_group(const char *path, const nb_npz *z, const char *prefix, const nb_named_tensors *dst) {
    size_t len = strlen(prefix);
    const char **names = malloc((size_t)(z->n + 1) * sizeof *names);
    nb_tensor **src = malloc((size_t)(z->n + 1) * sizeof *src);
    int n = 0, rc = -1;
    for (int i = 0; names && src && i < z->n; i++)
        if (!strncmp(z->arrays[i].name, prefix, len)) {
            names[n] = z->arrays[i].name + len;
            src[n++] = z->arrays[i].tensor;
        }
    if (!names || !src)
        nb_error_set("out of memory");
    else if (n == 0)
        nb_error_set("has no %s* tensors", prefix);
    else
        rc = nb_named_load(dst, n, names, src, true);
    free(names);
    free(src);
    return rc ? fail(path, "cannot load") : 0;
}

/* Runs fn on the loaded archive in a scratch arena freed afterwards. */
static int with_archive(const char *path, int (*fn)(const char *, const nb_npz *, void *), void *ctx) {
    if (!fg_file_exists(path)) return nb_error_set("checkpoint %s does not exist", path), -1;
    nb_arena *scratch = nb_arena_new(), *prev = nb_arena_use(scratch);
    nb_npz z;
    int rc = nb_npz_load(path, &z) ? fail(path, "cannot read") : fn(path, &z, ctx);
    nb_arena_use(prev);
    nb_arena_free(scratch);
    return rc;
}

typedef struct {
    nb_fanogan_config *cfg;
    fg_position *p;
    const fg_state *s;
} peek_ctx;

static int peek_fn(const char *path, const nb_npz *z, void *ctx) {
    peek_ctx *c = ctx;
    return read_meta(path, z, c->cfg, c->p);
}

int fg_checkpoint_peek(const char *path, nb_fanogan_config *cfg, fg_position *p) {
    return with_archive(path, peek_fn, &(peek_ctx){cfg, p, NULL});
}

static int load_fn(const char *path, const nb_npz *z, void *ctx) {
    peek_ctx *c = ctx;
    nb_fanogan_config cfg;
    if (read_meta(path, z, &cfg, c->p)) return -1;
    const nb_fanogan_config *want = &c->s->model->cfg;
    if (memcmp(&cfg, want, sizeof cfg)) {
        nb_error_set("checkpoint %s holds a %s model of %dx%dx%d, latent %d (dim %d), not the %s of %dx%dx%d, "
                     "latent %d (dim %d) asked for", path, nb_fanogan_arch_name(cfg.arch), cfg.image_size,
                     cfg.image_size, cfg.channels, cfg.latent_dim, cfg.dim, nb_fanogan_arch_name(want->arch),
                     want->image_size, want->image_size, want->channels, want->latent_dim, want->dim);
        return -1;
    }
    if (load_group(path, z, "model.", nb_fanogan_state_dict(c->s->model))) return -1;
    for (int k = 0; k < 3; k++) {
        const nb_named_tensors *g = opt_state(c->s, k);
        if (g && load_group(path, z, opt_prefix[k], g)) return -1;
    }
    return 0;
}

int fg_checkpoint_load(const char *path, fg_state *s, fg_position *p) {
    return with_archive(path, load_fn, &(peek_ctx){NULL, p, s});
}

nb_fanogan *fg_load_trained(const fg_options *o) {
    char path[4200];
    fg_checkpoint_path(o, PHASE_ENCODER, path, sizeof path);
    nb_fanogan_config cfg;
    fg_position p;
    if (!fg_file_exists(path))
        return nb_error_set("%s has no trained encoder (%s): run fanogan train-encoder --out %s", o->out, path, o->out);
    if (fg_checkpoint_peek(path, &cfg, &p)) return NULL;
    if (p.phase != PHASE_ENCODER || p.batch || p.epoch < o->encoder_epochs)
        return nb_error_set("the encoder training in %s is unfinished (%lld of %d epochs): finish it with "
                            "fanogan train-encoder --out %s --resume", o->out, p.epoch, o->encoder_epochs, o->out);
    nb_fanogan *m = nb_fanogan_new(&cfg);
    fg_position q;
    if (m && fg_checkpoint_load(path, &(fg_state){m, NULL, NULL, NULL}, &q)) {
        nb_fanogan_free(m);
        return NULL;
    }
    return m;
}
