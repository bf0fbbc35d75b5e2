/* parallel.c — threads and GEMM. OpenBLAS runs the matrix products; nabla's own
 * kernels run on OpenMP with the same thread count. nb_parallel_for cuts the
 * range into chunks that depend only on its length, so a kernel that reduces
 * per chunk gives the same bits whatever the thread count. */
#include <stdlib.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "nb_internal.h"

extern void openblas_set_num_threads(int);

static int n_threads;

void nb_set_num_threads(int n) {
    if (n < 1) n = 1;
    n_threads = n;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    openblas_set_num_threads(n);
}

int nb_num_threads(void) {
    if (!n_threads) {
        const char *env = getenv("NB_NUM_THREADS");
        int n = env ? atoi(env) : 0;
#ifdef _OPENMP
        if (n < 1) n = omp_get_num_procs();
#endif
        nb_set_num_threads(n < 1 ? 1 : n);
    }
    return n_threads;
}

void nb_parallel_for(int64_t n, int64_t grain, nb_range_fn body, void *ctx) {
    if (grain < 1) grain = 1;
    int64_t chunks = (n + grain - 1) / grain;
    if (chunks <= 1 || nb_num_threads() == 1) {
        for (int64_t c = 0; c < chunks; c++) body(c * grain, c + 1 == chunks ? n : (c + 1) * grain, ctx);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; c++) {
        int64_t i1 = (c + 1) * grain;
        body(c * grain, i1 > n ? n : i1, ctx);
    }
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
