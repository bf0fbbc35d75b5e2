/* bench_conv.c — throughput of the convolution ops on the layers of f-AnoGAN,
 * against the OpenBLAS sgemm ceiling measured in the same run.
 *
 * For each layer (3x3 kernels; the critic/encoder blocks at stride 2, the
 * generator's at stride 1, padding 1) it times the forward conv, the input
 * gradient and the weight gradient — the latter two as nb_grad runs them, one
 * conv2d VJP each — and reports 2*N*Cout*Hout*Wout*Cin*kh*kw / time in GFLOP/s,
 * the median of the runs after warm-up, and its ratio to the median GFLOP/s of
 * a 1024^3 sgemm timed between the layers (so under the same machine load).
 * Run: NB_NUM_THREADS=2 build/bin/bench_conv [runs, 7..64] [--cpu] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include "nb_core.h"
#include "nb_ops.h"

#define WARMUP 2

typedef struct {
    const char *name;
    int64_t n, cin, cout, h, stride;
} layer;

/* The 64x64 RGB model trains at batch 32, the 32x32 grayscale one at batch 64;
 * the critic and the encoder share the conv blocks. */
static const layer layers[] = {
    {"critic64 c1", 32, 3, 16, 64, 2},     {"critic64 c2", 32, 16, 32, 32, 2},
    {"critic64 c3", 32, 32, 64, 16, 2},    {"critic64 c4", 32, 64, 128, 8, 2},
    {"critic32 c1", 64, 1, 16, 32, 2},     {"critic32 c2", 64, 16, 32, 16, 2},
    {"critic32 c3", 64, 32, 64, 8, 2},     {"critic32 c4", 64, 64, 128, 4, 2},
    {"gen64 128-128@16", 32, 128, 128, 16, 1}, {"gen64 128-128@32", 32, 128, 128, 32, 1},
    {"gen64 128-64@64", 32, 128, 64, 64, 1},   {"gen64 64-3@64", 32, 64, 3, 64, 1},
    {"gen32 128-128@16", 64, 128, 128, 16, 1}, {"gen32 128-64@32", 64, 128, 64, 32, 1},
    {"gen32 64-1@32", 64, 64, 1, 32, 1},
};

/* Wall time; or, with --cpu on one thread, the thread's CPU time, which a busy
 * shared machine disturbs much less (time the thread waits for a core is not
 * counted). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void) {
    struct timespec t;
    clock_gettime(clock_id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { FORWARD, INPUT_GRAD, WEIGHT_GRAD } what;

typedef struct {
    nb_tensor *x, *w, *y, *gy;
    nb_conv_params p;
} problem;

/* one run of the op under test; its results go to the current arena */
static void run(const problem *pr, what kind) {
    nb_tensor *g;
    if (kind == FORWARD) {
        bool prev = nb_set_grad_enabled(false);
        nb_conv2d(pr->x, pr->w, NULL, pr->p);
        nb_set_grad_enabled(prev);
    } else {
        nb_tensor *wrt = kind == INPUT_GRAD ? pr->x : pr->w;
        nb_grad(1, (nb_tensor *const[]){pr->y}, (nb_tensor *const[]){pr->gy}, 1, &wrt, &g, false);
    }
}

/* median seconds of `runs` timed calls after WARMUP untimed ones; the scratch
 * arena is reset between calls */
static double median_time(const problem *pr, what kind, int runs, nb_arena *scratch) {
    double t[64];
    nb_arena *prev = nb_arena_use(scratch);
    for (int r = -WARMUP; r < runs; r++) {
        double t0 = now();
        run(pr, kind);
        if (r >= 0) t[r] = now() - t0;
        nb_arena_reset(scratch);
    }
    nb_arena_use(prev);
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    return t[runs / 2];
}

/* Seconds of one 1024^3 sgemm by OpenBLAS itself, on its own threads (as
 * many as nabla's), appended to t[*count]; called between the layers, so that
 * the ceiling is measured under the same machine load as they are. nabla keeps
 * OpenBLAS on one thread otherwise (core/parallel.c). */
#define GEMM_N 1024
static void sgemm_samples(nb_tensor *a, nb_tensor *b, int k, double *t, int *count, nb_arena *scratch) {
    nb_arena *prev = nb_arena_use(scratch);
    nb_tensor *c = nb_tensor_new(NB_SHAPE(GEMM_N, GEMM_N));
    openblas_set_num_threads(nb_num_threads());
    for (int r = -1; c && r < k; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, GEMM_N, GEMM_N, GEMM_N, 1, a->data, GEMM_N, b->data,
                    GEMM_N, 0, c->data, GEMM_N);
        if (r >= 0) t[(*count)++] = now() - t0;
    }
    openblas_set_num_threads(1);
    nb_arena_reset(scratch);
    nb_arena_use(prev);
}

#define N_LAYERS (sizeof layers / sizeof layers[0])

/* The 1-minute load average (Linux), to tell whether the machine was shared. */
static double load_average(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

static void print_table(double ceiling, int n_gemm, int runs, double (*gflops)[3], double load0, double load1) {
    printf("nabla %s, %d threads; %s, median of %d runs after %d warm-up\n", NB_REAL_NAME,
           nb_num_threads(), clock_id == CLOCK_MONOTONIC ? "wall time" : "thread CPU time",
           runs, WARMUP);
    printf("load average (1 min) %.2f at the start, %.2f at the end, on %d cores\n", load0, load1,
           (int)sysconf(_SC_NPROCESSORS_ONLN));
    printf("sgemm %d^3 ceiling: %.1f GFLOP/s (median of %d, taken between the layers)\n\n", GEMM_N, ceiling,
           n_gemm);
    printf("%-18s %4s %9s %7s | %15s | %15s | %15s\n", "layer", "N", "Cin->Cout", "HxW", "forward", "input grad",
           "weight grad");
    printf("%-18s %4s %9s %7s | %15s | %15s | %15s\n", "", "", "", "", "GFLOP/s  %ceil", "GFLOP/s  %ceil",
           "GFLOP/s  %ceil");
    for (size_t i = 0; i < N_LAYERS; i++) {
        const layer *L = &layers[i];
        char io[16];
        snprintf(io, sizeof io, "%lld->%lld", (long long)L->cin, (long long)L->cout);
        printf("%-18s %4lld %9s %3lldx%-3lld", L->name, (long long)L->n, io, (long long)L->h, (long long)L->h);
        for (int k = 0; k < 3; k++) printf(" | %7.1f  %5.1f%%", gflops[i][k], 100 * gflops[i][k] / ceiling);
        printf("\n");
    }
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 9;
    bool cpu = argc > 2 && strcmp(argv[2], "--cpu") == 0;
    if (runs < 7 || runs > 64 || (argc > 2 && !cpu) || (cpu && nb_num_threads() != 1)) {
        fprintf(stderr, "usage: bench_conv [runs, 7..64] [--cpu (thread CPU time, needs NB_NUM_THREADS=1)]\n");
        return 2;
    }
    if (cpu) clock_id = CLOCK_THREAD_CPUTIME_ID;
    double load0 = load_average();
    nb_seed(1);
    nb_arena *keep = nb_arena_new(), *data = nb_arena_new(), *scratch = nb_arena_new();
    nb_arena_use(keep);
    nb_tensor *ga = nb_uniform(NB_SHAPE(GEMM_N, GEMM_N), -1, 1), *gb = nb_uniform(NB_SHAPE(GEMM_N, GEMM_N), -1, 1);
    nb_arena_use(data);
    double gemm_t[3 * (N_LAYERS + 1)], gflops[N_LAYERS][3] = {{0}};
    int n_gemm = 0;
    for (size_t i = 0; i < N_LAYERS; i++) {
        const layer *L = &layers[i];
        sgemm_samples(ga, gb, 3, gemm_t, &n_gemm, scratch);
        problem pr = {.p = {.stride = (int)L->stride, .padding = 1}};
        pr.x = nb_requires_grad(nb_uniform(NB_SHAPE(L->n, L->cin, L->h, L->h), -1, 1), true);
        pr.w = nb_requires_grad(nb_uniform(NB_SHAPE(L->cout, L->cin, 3, 3), -0.2f, 0.2f), true);
        pr.y = nb_conv2d(pr.x, pr.w, NULL, pr.p);
        if (!pr.y) break;
        pr.gy = nb_uniform(pr.y->ndim, pr.y->shape, -1, 1);
        double flops = 2.0 * (double)(pr.y->numel * L->cin * 9);
        for (what k = FORWARD; k <= WEIGHT_GRAD; k++) gflops[i][k] = flops / median_time(&pr, k, runs, scratch) * 1e-9;
        nb_arena_reset(data);
    }
    sgemm_samples(ga, gb, 3, gemm_t, &n_gemm, scratch);
    qsort(gemm_t, (size_t)n_gemm, sizeof *gemm_t, cmp_double);
    double ceiling = 2.0 * GEMM_N * GEMM_N * GEMM_N / gemm_t[n_gemm / 2] * 1e-9;
    print_table(ceiling, n_gemm, runs, gflops, load0, load_average());
    int rc = 0;
    if (nb_error()) {
        fprintf(stderr, "bench_conv: %s\n", nb_error());
        rc = 1;
    }
    nb_arena_use(NULL);
    nb_arena_free(scratch);
    nb_arena_free(data);
    nb_arena_free(keep);
    return rc;
}
