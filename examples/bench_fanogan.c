/* bench_fanogan.c — times f-AnoGAN's training steps on nabla, the counterpart
 * of examples/compare/torch_fanogan_step.py (same networks, batch and steps):
 *   critic  one WGAN-GP critic step (real + fake + gradient penalty, double backward)
 *   gen     one generator step
 *   enc     one izif encoder step (G and D frozen, eval mode)
 * Prints the median of --runs timings after --warmup, in milliseconds: wall
 * time, or with --cpu the process's CPU time (all threads), which the other jobs
 * of a shared machine disturb less; --only times one of the steps.
 *   build/bin/bench_fanogan --img 64 --channels 3 --batch 32 --threads 2 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nb_fanogan.h"

typedef struct {
    int img, channels, batch, latent, threads, warmup, runs;
    const char *arch, *only;
    bool cpu;
} bench_opts;

typedef struct {
    nb_fanogan *m;
    nb_optim *od, *og, *oe;
    nb_tensor *real;
    nb_arena *step;
    nb_fanogan_train_opts o;
    nb_fanogan_losses l;
    int64_t i;
} bench;

static double now_ms(bool cpu) {
    struct timespec t;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int critic(bench *b) { return nb_fanogan_critic_step(b->m, b->od, b->real, &b->o, b->step, b->i++, &b->l); }
static int gen(bench *b) {
    return nb_fanogan_generator_step(b->m, b->og, b->real->shape[0], &b->o, b->step, b->i++, &b->l);
}
static int enc(bench *b) { return nb_fanogan_encoder_step(b->m, b->oe, b->real, &b->o, b->step, b->i++, &b->l); }

static double median_ms(bench *b, int (*fn)(bench *), const bench_opts *o) {
    double t[256];
    int runs = o->runs < 256 ? o->runs : 256;
    for (int k = 0; k < o->warmup; k++)
        if (fn(b)) return -1;
    for (int k = 0; k < runs; k++) {
        double t0 = now_ms(o->cpu);
        if (fn(b)) return -1;
        t[k] = now_ms(o->cpu) - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    return t[runs / 2];
}

static int usage(void) {
    fprintf(stderr, "usage: bench_fanogan [--arch dcgan] [--img 64] [--channels 3] [--batch 32] [--latent 100]\n"
                    "                     [--threads 2] [--warmup 3] [--runs 15] [--only critic|gen|enc] [--cpu]\n");
    return 2;
}

static int parse(int argc, char **argv, bench_opts *o) {
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--help")) return usage();
        if (!strcmp(argv[k], "--cpu")) {
            o->cpu = true;
            continue;
        }
        if (k + 1 >= argc) return usage();
        const char *f = argv[k], *v = argv[++k];
        int *slot = !strcmp(f, "--img") ? &o->img : !strcmp(f, "--channels") ? &o->channels
                  : !strcmp(f, "--batch") ? &o->batch : !strcmp(f, "--latent") ? &o->latent
                  : !strcmp(f, "--threads") ? &o->threads : !strcmp(f, "--warmup") ? &o->warmup
                  : !strcmp(f, "--runs") ? &o->runs : NULL;
        if (!strcmp(f, "--arch")) o->arch = v;
        else if (!strcmp(f, "--only") && (!strcmp(v, "critic") || !strcmp(v, "gen") || !strcmp(v, "enc"))) o->only = v;
        else if (!slot || (*slot = atoi(v)) < (slot == &o->warmup ? 0 : 1)) return usage();
    }
    return 0;
}

int main(int argc, char **argv) {
    bench_opts o = {64, 3, 32, 100, 2, 3, 15, "dcgan", NULL, false};
    if (parse(argc, argv, &o)) return 2;
    nb_set_num_threads(o.threads);
    nb_seed(0);
    nb_fanogan_config cfg;
    nb_fanogan_arch arch;
    if (nb_fanogan_arch_parse(o.arch, &arch)) goto fail;
    cfg = nb_fanogan_config_defaults(arch);
    cfg.image_size = o.img, cfg.channels = o.channels, cfg.latent_dim = o.latent;
    nb_arena *data = nb_arena_new();
    nb_arena_use(data);
    bench b = {.m = nb_fanogan_new(&cfg), .step = nb_arena_new(), .o = nb_fanogan_train_defaults()};
    if (!b.m) goto fail;
    nb_adam_opts adam = {2e-4, 0.5, 0.999, 1e-8, 0};
    b.od = nb_Adam(nb_module_parameters(b.m->discriminator), adam);
    b.og = nb_Adam(nb_module_parameters(b.m->generator), adam);
    b.oe = nb_Adam(nb_module_parameters(b.m->encoder), adam);
    b.real = nb_uniform(NB_SHAPE(o.batch, o.channels, o.img, o.img), -1, 1);
    printf("nabla %s, threads %d, img %dx%dx%d, batch %d, %s time\n", NB_REAL_NAME, o.threads, o.img, o.img,
           o.channels, o.batch, o.cpu ? "CPU" : "wall");
    struct { const char *name; int (*fn)(bench *); } steps[] = {{"critic", critic}, {"gen", gen}, {"enc", enc}};
    for (int k = 0; k < 3; k++) {
        if (o.only && strcmp(o.only, steps[k].name)) continue;
        double ms = median_ms(&b, steps[k].fn, &o);
        if (ms < 0) goto fail;
        printf("%-7s median %9.2f ms\n", steps[k].name, ms);
    }
    nb_optim_free(b.od), nb_optim_free(b.og), nb_optim_free(b.oe);
    nb_fanogan_free(b.m);
    nb_arena_use(NULL);
    nb_arena_free(b.step), nb_arena_free(data);
    return 0;
fail:
    fprintf(stderr, "bench_fanogan: %s\n", nb_error() ? nb_error() : "failed");
    return 1;
}
