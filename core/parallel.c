/* parallel.c — threads and GEMM. OpenBLAS runs the matrix products; nabla's own
 * kernels run on a small pool of pthreads with the same thread count.
 *
 * nb_parallel_for cuts [0, n) into chunks that depend only on n and the grain;
 * the caller and the workers take chunks from a shared counter. Which thread
 * runs a chunk varies, what a chunk computes does not, so a kernel that reduces
 * per chunk gives the same bits whatever the thread count.
 *
 * Idle workers spin for a few microseconds (back-to-back kernels are common)
 * and then sleep on a condition variable: they never burn a core that OpenBLAS
 * or another process could use, which matters on a busy machine. */
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
    openblas_set_num_threads(n);
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

void nb_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, nb_real alpha, const nb_real *a,
             int64_t lda, const nb_real *b, int64_t ldb, nb_real beta, nb_real *c, int64_t ldc) {
    nb_num_threads(); /* applies NB_NUM_THREADS before the first product */
#ifdef NB_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
#endif
}
