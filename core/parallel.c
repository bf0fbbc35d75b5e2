/* parallel.c — threads and GEMM. nabla's kernels and its matrix products run
 * on one small pool of pthreads.
 *
 * nb_parallel_for cuts [0, n) into chunks that depend only on n and the grain;
 * the caller and the workers take chunks from a shared counter. Which thread
 * runs a chunk varies, what a chunk computes does not, so a kernel that reduces
 * per chunk gives the same bits whatever the thread count.
 *
 * nb_gemm cuts C into panels of whole rows or columns, fixed by the shape, and
 * runs one single-threaded OpenBLAS product per panel on the pool. OpenBLAS's
 * own threads are not used: a second pool of spinning threads beside ours would
 * fight it for the cores between kernels. The panels do not depend on the
 * thread count (one thread runs them all), so neither do the bits of C.
 *
 * Idle workers spin for a few microseconds (back-to-back kernels are common)
 * and then sleep on a condition variable: they never burn a core that another
 * process could use, which matters on a busy machine. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <cblas.h>
#include "nb_internal.h"

extern void openblas_set_num_threads(int);

#define MAX_THREADS 256
#define SPIN_ROUNDS 4000

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, idle;
    pthread_t th[MAX_THREADS];
    int n_workers;
    atomic_uint_fast64_t generation; /* bumped for every job, and to stop */
    bool stop;
    /* the current job */
    nb_range_fn body;
    void *ctx;
    int64_t n, grain, chunks;
    atomic_int_fast64_t next;  /* next chunk to take */
    atomic_int busy_workers;   /* workers still in the job */
} pool_t;

static pool_t pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
                      .idle = PTHREAD_COND_INITIALIZER};
static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static int n_threads;
static _Thread_local bool in_worker;

static void run_chunks(void) {
    for (;;) {
        int64_t c = atomic_fetch_add(&pool.next, 1);
        if (c >= pool.chunks) return;
        int64_t i1 = (c + 1) * pool.grain;
        pool.body(c * pool.grain, i1 > pool.n ? pool.n : i1, pool.ctx);
    }
}

static void *worker(void *arg) {
    (void)arg;
    in_worker = true;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g;
        for (int spin = 0; spin < SPIN_ROUNDS && (g = atomic_load(&pool.generation)) == seen; spin++)
            if (spin % 64 == 63) sched_yield();
        pthread_mutex_lock(&pool.mu);
        while ((g = atomic_load(&pool.generation)) == seen) pthread_cond_wait(&pool.wake, &pool.mu);
        bool stop = pool.stop;
        pthread_mutex_unlock(&pool.mu);
        if (stop) return NULL;
        seen = g;
        run_chunks();
        if (atomic_fetch_sub(&pool.busy_workers, 1) == 1) {
            pthread_mutex_lock(&pool.mu);
            pthread_cond_signal(&pool.idle);
            pthread_mutex_unlock(&pool.mu);
        }
    }
}

static void pool_stop(void) {
    if (!pool.n_workers) return;
    pthread_mutex_lock(&pool.mu);
    pool.stop = true;
    atomic_fetch_add(&pool.generation, 1);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < pool.n_workers; i++) pthread_join(pool.th[i], NULL);
    pool.n_workers = 0;
    pool.stop = false;
}

/* Starts n workers (the caller is the n+1-th thread); fewer if threads fail. */
static void pool_start(int n) {
    static bool registered;
    if (!registered) registered = atexit(pool_stop) == 0;
    for (int i = 0; i < n && i < MAX_THREADS; i++) {
        if (pthread_create(&pool.th[i], NULL, worker, NULL)) break;
        pool.n_workers++;
    }
}

void nb_set_num_threads(int n) {
    if (n < 1) n = 1;
    if (n > MAX_THREADS) n = MAX_THREADS;
    pthread_mutex_lock(&pool_owner);
    if (pool.n_workers != n - 1) {
        pool_stop();
        pool_start(n - 1);
    }
    n_threads = n;
    pthread_mutex_unlock(&pool_owner);
    openblas_set_num_threads(1);
}

int nb_num_threads(void) {
    if (!n_threads) {
        const char *env = getenv("NB_NUM_THREADS");
        int n = env ? atoi(env) : 0;
        if (n < 1) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
        nb_set_num_threads(n < 1 ? 1 : n);
    }
    return n_threads;
}

void nb_parallel_for(int64_t n, int64_t grain, nb_range_fn body, void *ctx) {
    if (grain < 1) grain = 1;
    int64_t chunks = (n + grain - 1) / grain;
    /* one chunk, one thread, a call from inside a kernel, or the pool already
     * running another caller's job: run here */
    if (chunks <= 1 || in_worker || nb_num_threads() == 1 || pthread_mutex_trylock(&pool_owner)) {
        for (int64_t c = 0; c < chunks; c++) body(c * grain, c + 1 == chunks ? n : (c + 1) * grain, ctx);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    pool.body = body, pool.ctx = ctx, pool.n = n, pool.grain = grain, pool.chunks = chunks;
    atomic_store(&pool.next, 0);
    atomic_store(&pool.busy_workers, pool.n_workers);
    atomic_fetch_add(&pool.generation, 1);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    in_worker = true; /* the caller works too; kernels it runs stay serial */
    run_chunks();
    in_worker = false;
    for (int spin = 0; spin < SPIN_ROUNDS && atomic_load(&pool.busy_workers) > 0; spin++)
        if (spin % 64 == 63) sched_yield();
    pthread_mutex_lock(&pool.mu);
    while (atomic_load(&pool.busy_workers) > 0) pthread_cond_wait(&pool.idle, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool_owner);
}

/* ---- GEMM ------------------------------------------------------------------ */

#define GEMM_SERIAL_FLOPS ((int64_t)1 << 20) /* below this, one call: a panel would cost more to hand out */
#define GEMM_MAX_PANELS 8                     /* enough to balance 2-8 threads on a busy machine */
#define GEMM_MIN_PANEL 64                     /* rows or columns; narrower panels waste the microkernel */

typedef struct {
    bool ta, tb, by_rows;
    int64_t m, n, k, lda, ldb, ldc, width;
    nb_real alpha, beta;
    const nb_real *a, *b;
    nb_real *c;
} gemm_job;

static void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, nb_real alpha, const nb_real *a,
                      int64_t lda, const nb_real *b, int64_t ldb, nb_real beta, nb_real *c, int64_t ldc) {
#ifdef NB_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
#endif
}

/* Panels [p0, p1): rows r of C take rows r of op(A) (column r of A when it is
 * transposed); columns take columns of op(B) likewise. */
static void gemm_panels(int64_t p0, int64_t p1, void *ctx) {
    const gemm_job *j = ctx;
    int64_t dim = j->by_rows ? j->m : j->n, lo = p0 * j->width, hi = p1 * j->width < dim ? p1 * j->width : dim;
    if (j->by_rows)
        blas_gemm(j->ta, j->tb, hi - lo, j->n, j->k, j->alpha, j->a + lo * (j->ta ? 1 : j->lda), j->lda, j->b,
                  j->ldb, j->beta, j->c + lo * j->ldc, j->ldc);
    else
        blas_gemm(j->ta, j->tb, j->m, hi - lo, j->k, j->alpha, j->a, j->lda, j->b + lo * (j->tb ? j->ldb : 1),
                  j->ldb, j->beta, j->c + lo, j->ldc);
}

void nb_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, nb_real alpha, const nb_real *a,
             int64_t lda, const nb_real *b, int64_t ldb, nb_real beta, nb_real *c, int64_t ldc) {
    nb_num_threads(); /* applies NB_NUM_THREADS, and OpenBLAS's single thread, before the first product */
    if (m * n * k < GEMM_SERIAL_FLOPS || (m < 2 * GEMM_MIN_PANEL && n < 2 * GEMM_MIN_PANEL)) {
        blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    /* cut the longer side of C into panels, a multiple of 16 wide, fixed by the shape */
    bool by_rows = m > n;
    int64_t dim = by_rows ? m : n, panels = dim / GEMM_MIN_PANEL;
    if (panels > GEMM_MAX_PANELS) panels = GEMM_MAX_PANELS;
    int64_t width = ((dim + panels - 1) / panels + 15) / 16 * 16;
    gemm_job j = {ta, tb, by_rows, m, n, k, lda, ldb, ldc, width, alpha, beta, a, b, c};
    nb_parallel_for((dim + width - 1) / width, 1, gemm_panels, &j);
}
