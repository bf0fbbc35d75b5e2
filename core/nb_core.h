/* nb_core.h — nabla's core: the real type, tensors, arenas, the autograd tape,
 * errors, the seeded RNG and the thread count.
 *
 * A tensor is a contiguous row-major block of nb_real (float, or double in the
 * NB_DOUBLE build used by gradient checks) with up to NB_MAX_DIMS dims (NCHW for
 * images). Every tensor belongs to an arena; resetting the arena frees all of its
 * tensors at once, so a training step never frees tensors one by one.
 *
 * Errors: a failing call records a message (first one wins) and returns NULL;
 * every op given a NULL input returns NULL without a new message, so model code
 * checks nb_error() once at the end of a step. */
#ifndef NB_CORE_H
#define NB_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef NB_DOUBLE
typedef double nb_real;
#define NB_REAL_NAME "float64"
#else
typedef float nb_real;
#define NB_REAL_NAME "float32"
#endif

#define NB_MAX_DIMS 6

typedef struct nb_arena nb_arena;
typedef struct nb_node nb_node;
typedef struct nb_tensor nb_tensor;

struct nb_tensor {
    int ndim;
    int64_t shape[NB_MAX_DIMS];
    int64_t numel;
    nb_real *data;      /* contiguous; a view shares its base's data */
    bool requires_grad; /* leaf: set by the user; op result: some input requires grad */
    nb_tensor *grad;    /* leaves only: accumulated by nb_backward, lives in the leaf's arena */
    nb_node *node;      /* the op that made this tensor, NULL for leaves and no-grad results */
    nb_arena *arena;    /* owner */
    /* scratch of the backward pass (see core/autograd.c) */
    uint32_t bw_epoch;
    int bw_state;
    nb_tensor *bw_acc;
};

/* ---- errors ---------------------------------------------------------------- */
const char *nb_error(void);                  /* NULL when no error is pending */
void nb_error_clear(void);
void *nb_error_set(const char *fmt, ...)     /* records (if none pending), returns NULL */
    __attribute__((format(printf, 1, 2)));
/* Writes "[2,3,4]" into buf (at least 96 bytes) and returns buf. */
char *nb_shape_str(const nb_tensor *t, char *buf);

/* ---- arenas -------------------------------------------------------------- */
nb_arena *nb_arena_new(void);
/* Frees every tensor made in a since the last reset; their buffers are kept a
 * few resets for the next steps' tensors of the same size (core/arena.c). */
void nb_arena_reset(nb_arena *a);
void nb_arena_free(nb_arena *a);
size_t nb_arena_bytes(const nb_arena *a); /* bytes held by live tensors and records */
/* New tensors go to the current arena of the calling thread (a default one if
 * none was chosen). Returns the previous current arena. */
nb_arena *nb_arena_use(nb_arena *a);
nb_arena *nb_arena_current(void);

/* ---- tensors ------------------------------------------------------------- */
nb_tensor *nb_tensor_new(int ndim, const int64_t *shape); /* uninitialized */
nb_tensor *nb_zeros(int ndim, const int64_t *shape);
nb_tensor *nb_ones(int ndim, const int64_t *shape);
nb_tensor *nb_full(int ndim, const int64_t *shape, nb_real value);
nb_tensor *nb_scalar(nb_real value); /* 0-dim */
nb_tensor *nb_from_data(int ndim, const int64_t *shape, const nb_real *data); /* copies */
nb_tensor *nb_uniform(int ndim, const int64_t *shape, nb_real lo, nb_real hi);
nb_tensor *nb_normal(int ndim, const int64_t *shape, nb_real mean, nb_real std);
nb_tensor *nb_zeros_like(const nb_tensor *t);
nb_tensor *nb_clone(const nb_tensor *t);   /* copy of the data, no graph */
nb_tensor *nb_detach(nb_tensor *t);        /* view of the data, no graph */
nb_tensor *nb_copy_to(nb_arena *a, const nb_tensor *t); /* copy into arena a */
bool nb_same_shape(const nb_tensor *a, const nb_tensor *b);
int64_t nb_dim(const nb_tensor *t, int d); /* negative d counts from the end */
/* Shape literals: NB_SHAPE(2, 3) expands to "2, (int64_t[]){2, 3}". */
#define NB_SHAPE(...) \
    (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]) { __VA_ARGS__ }

/* ---- autograd ------------------------------------------------------------ */
nb_tensor *nb_requires_grad(nb_tensor *t, bool on); /* leaves only; returns t */
bool nb_grad_enabled(void);
bool nb_set_grad_enabled(bool on); /* returns the previous mode */
/* Accumulates d loss / d leaf into leaf->grad for every leaf that requires grad.
 * loss must have one element. Returns 0, or -1 with nb_error() set. */
int nb_backward(nb_tensor *loss);
/* Like torch.autograd.grad: grads[i] = sum_j d<outputs[j], grad_outputs[j]> / d inputs[i]
 * (grad_outputs may be NULL: ones). An input not reached gets a zero tensor.
 * With create_graph the grads are on the tape and can be differentiated again. */
int nb_grad(int n_out, nb_tensor *const *outputs, nb_tensor *const *grad_outputs,
            int n_in, nb_tensor *const *inputs, nb_tensor **grads, bool create_graph);
void nb_zero_grad(nb_tensor *t);

/* ---- random numbers ------------------------------------------------------ */
/* One global generator, PCG32 (O'Neill 2014): state' = state * 6364136223846793005
 * + inc, output = rotr32(xorshift), seeded by nb_seed. Normals by Box–Muller.
 * Draws happen on the calling thread in index order, so numbers do not depend on
 * the thread count. */
void nb_seed(uint64_t seed);
uint32_t nb_rand_u32(void);
double nb_rand_uniform(void); /* [0, 1) with 53 random bits */
double nb_rand_normal(void);
/* A private PCG32 stream for code that must not disturb the global order (the
 * data loader's shuffles): nb_rng_seed(r, s, s) gives the sequence nb_seed(s) does. */
typedef struct {
    uint64_t state, inc;
} nb_rng;
void nb_rng_seed(nb_rng *r, uint64_t seed, uint64_t stream);
uint32_t nb_rng_u32(nb_rng *r);
double nb_rng_uniform(nb_rng *r); /* [0, 1) with 53 random bits */

/* ---- threads ------------------------------------------------------------- */
/* Sets the thread count of nabla's kernels and of OpenBLAS. Default: the
 * NB_NUM_THREADS environment variable, else the number of cores. */
void nb_set_num_threads(int n);
int nb_num_threads(void);

#endif
