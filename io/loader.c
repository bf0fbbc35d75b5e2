/* loader.c — batches [N,C,H,W] from a dataset through a transform, prepared
 * one batch ahead on a worker thread.
 *
 * The worker always builds "the batch after the one just handed out" (the
 * first batch of the next epoch after an epoch's last), into a staging buffer
 * of its own; nb_loader_next waits for it, copies it into the caller's arena and
 * posts the next job. One job at a time, in order, so the batches are the same
 * whatever the timing. Epoch e's order is a Fisher–Yates shuffle driven by the
 * loader's own PCG32 stream (seed, e); item i's random flip draws from the stream
 * (seed ^ FLIP_SALT, e * 2^32 + position). The global RNG is never used. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "io_internal.h"
#include "nb_internal.h"

#define FLIP_SALT 0x9e3779b97f4a7c15ULL

typedef struct {
    nb_real *images, *masks;
    int64_t *labels, *indices;
    int64_t count;
    int status;
    char err[512];
} staging;

struct nb_loader {
    const nb_dataset *ds;
    nb_transform tf;
    nb_loader_opts o;
    int64_t n, per_epoch, shape[3], item_numel;
    uint64_t epoch;     /* of the next batch handed out */
    int64_t next_batch; /* its index in the epoch */
    /* worker side */
    int64_t *perm;
    uint64_t perm_epoch;
    bool have_perm;
    nb_arena *work;
    staging st;
    /* handshake */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool job, done, stop;
    uint64_t job_epoch;
    int64_t job_batch;
};

static void make_perm(nb_loader *ld, uint64_t epoch) {
    if (ld->have_perm && ld->perm_epoch == epoch) return;
    for (int64_t i = 0; i < ld->n; i++) ld->perm[i] = i;
    if (ld->o.shuffle) {
        nb_rng r;
        nb_rng_seed(&r, ld->o.seed, epoch);
        for (int64_t i = ld->n - 1; i > 0; i--) {
            int64_t j = (int64_t)(nb_rng_uniform(&r) * (double)(i + 1));
            int64_t t = ld->perm[i];
            ld->perm[i] = ld->perm[j];
            ld->perm[j] = t;
        }
    }
    ld->perm_epoch = epoch;
    ld->have_perm = true;
}

/* Loads, transforms and stores item `idx` into slot k of the staging buffer. */
static int fill_slot(nb_loader *ld, int64_t k, int64_t idx, double flip_draw) {
    nb_image img, mask = {0};
    if (nb_dataset_image(ld->ds, idx, ld->tf.channels, &img)) return -1;
    int rc = ld->o.masks ? nb_dataset_mask(ld->ds, idx, img.width, img.height, &mask) : 0;
    nb_tensor *m = NULL, *x = rc ? NULL : nb_transform_apply(&ld->tf, &img, ld->o.masks ? &mask : NULL, flip_draw, &m);
    nb_image_free(&img);
    nb_image_free(&mask);
    if (!x) return -1;
    if (x->numel != ld->item_numel || x->shape[1] != ld->shape[1] || x->shape[2] != ld->shape[2]) {
        char s[96];
        return nb_io_fail("loader: %s gives %s, the batch wants [%lld,%lld,%lld] (set a resize)",
                          nb_dataset_item(ld->ds, idx)->name, nb_shape_str(x, s),
                          (long long)ld->shape[0], (long long)ld->shape[1], (long long)ld->shape[2]);
    }
    memcpy(ld->st.images + k * ld->item_numel, x->data, (size_t)ld->item_numel * sizeof(nb_real));
    int64_t hw = ld->shape[1] * ld->shape[2];
    if (m) memcpy(ld->st.masks + k * hw, m->data, (size_t)hw * sizeof(nb_real));
    ld->st.labels[k] = nb_dataset_item(ld->ds, idx)->label;
    ld->st.indices[k] = idx;
    return 0;
}

static void build_batch(nb_loader *ld, uint64_t epoch, int64_t b) {
    make_perm(ld, epoch);
    int64_t start = b * ld->o.batch_size, count = ld->n - start;
    if (count > ld->o.batch_size) count = ld->o.batch_size;
    ld->st.count = count;
    ld->st.status = 0;
    for (int64_t k = 0; k < count && !ld->st.status; k++) {
        nb_rng r;
        nb_rng_seed(&r, ld->o.seed ^ FLIP_SALT, (epoch << 32) + (uint64_t)(start + k));
        ld->st.status = fill_slot(ld, k, ld->perm[start + k], nb_rng_uniform(&r));
        nb_arena_reset(ld->work);
    }
    if (ld->st.status) {
        /* errors are per thread: carry the message over to the caller */
        snprintf(ld->st.err, sizeof ld->st.err, "%s", nb_error() ? nb_error() : "loader: failed");
        nb_error_clear();
    }
}

static void *worker(void *arg) {
    nb_loader *ld = arg;
    nb_arena_use(ld->work);
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        while (!ld->job && !ld->stop) pthread_cond_wait(&ld->cv, &ld->mu);
        if (ld->stop) break;
        uint64_t e = ld->job_epoch;
        int64_t b = ld->job_batch;
        pthread_mutex_unlock(&ld->mu);
        build_batch(ld, e, b);
        pthread_mutex_lock(&ld->mu);
        ld->job = false;
        ld->done = true;
        pthread_cond_broadcast(&ld->cv);
    }
    pthread_mutex_unlock(&ld->mu);
    nb_arena_use(NULL);
    return NULL;
}

static void post(nb_loader *ld, uint64_t epoch, int64_t b) {
    pthread_mutex_lock(&ld->mu);
    ld->job_epoch = epoch;
    ld->job_batch = b;
    ld->job = true;
    ld->done = false;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
}

/* Output shape from item 0, checked against the options. */
static int setup(nb_loader *ld) {
    if (!ld->ds || ld->n < 1) return nb_io_fail("loader: empty dataset");
    if (ld->o.batch_size < 1) return nb_io_fail("loader: batch size %lld", (long long)ld->o.batch_size);
    if (ld->tf.channels != 1 && ld->tf.channels != 3) return nb_io_fail("loader: transform channels must be 1 or 3");
    ld->per_epoch = ld->o.drop_last ? ld->n / ld->o.batch_size : (ld->n + ld->o.batch_size - 1) / ld->o.batch_size;
    if (ld->per_epoch < 1)
        return nb_io_fail("loader: %lld items make no full batch of %lld", (long long)ld->n, (long long)ld->o.batch_size);
    nb_image img;
    if (nb_dataset_image(ld->ds, 0, ld->tf.channels, &img)) return -1;
    nb_transform_shape(&ld->tf, img.height, img.width, ld->shape);
    nb_image_free(&img);
    ld->item_numel = ld->shape[0] * ld->shape[1] * ld->shape[2];
    int64_t bs = ld->o.batch_size, hw = ld->shape[1] * ld->shape[2];
    ld->perm = malloc((size_t)ld->n * sizeof *ld->perm);
    ld->st.images = malloc((size_t)(bs * ld->item_numel) * sizeof(nb_real));
    ld->st.masks = ld->o.masks ? malloc((size_t)(bs * hw) * sizeof(nb_real)) : NULL;
    ld->st.labels = malloc((size_t)bs * sizeof(int64_t));
    ld->st.indices = malloc((size_t)bs * sizeof(int64_t));
    ld->work = nb_arena_new();
    if (!ld->perm || !ld->st.images || (ld->o.masks && !ld->st.masks) || !ld->st.labels || !ld->st.indices || !ld->work)
        return nb_io_fail("loader: out of memory");
    return 0;
}

nb_loader *nb_loader_new(const nb_dataset *ds, const nb_transform *tf, nb_loader_opts opts) {
    nb_loader *ld = calloc(1, sizeof *ld);
    if (!ld) return nb_error_set("loader: out of memory");
    ld->ds = ds;
    ld->o = opts;
    ld->n = nb_dataset_size(ds);
    if (tf) ld->tf = *tf;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);
    int rc = tf ? setup(ld) : nb_io_fail("loader: NULL transform");
    if (!rc && pthread_create(&ld->thread, NULL, worker, ld) != 0)
        rc = nb_io_fail("loader: cannot start the worker thread");
    if (rc) {
        nb_loader_free(ld);
        return NULL;
    }
    ld->started = true;
    post(ld, 0, 0);
    return ld;
}

int64_t nb_loader_batches_per_epoch(const nb_loader *ld) { return ld ? ld->per_epoch : 0; }

/* Copies the finished staging batch into the caller's arena. */
static int hand_out(nb_loader *ld, nb_batch *batch) {
    int64_t n = ld->st.count, hw = ld->shape[1] * ld->shape[2];
    batch->images = nb_tensor_new(NB_SHAPE(n, ld->shape[0], ld->shape[1], ld->shape[2]));
    batch->masks = ld->o.masks ? nb_tensor_new(NB_SHAPE(n, 1, ld->shape[1], ld->shape[2])) : NULL;
    batch->labels = nb_arena_alloc(NULL, (size_t)n * sizeof(int64_t));
    batch->indices = nb_arena_alloc(NULL, (size_t)n * sizeof(int64_t));
    batch->n = n;
    if (!batch->images || (ld->o.masks && !batch->masks) || !batch->labels || !batch->indices) return -1;
    memcpy(batch->images->data, ld->st.images, (size_t)(n * ld->item_numel) * sizeof(nb_real));
    if (batch->masks) memcpy(batch->masks->data, ld->st.masks, (size_t)(n * hw) * sizeof(nb_real));
    memcpy(batch->labels, ld->st.labels, (size_t)n * sizeof(int64_t));
    memcpy(batch->indices, ld->st.indices, (size_t)n * sizeof(int64_t));
    return 0;
}

int nb_loader_next(nb_loader *ld, nb_batch *batch) {
    memset(batch, 0, sizeof *batch);
    if (!ld) return nb_io_fail("loader: NULL loader");
    if (ld->next_batch == ld->per_epoch) { /* the worker is already on the next epoch */
        ld->epoch++;
        ld->next_batch = 0;
        return 0;
    }
    pthread_mutex_lock(&ld->mu);
    while (!ld->done) pthread_cond_wait(&ld->cv, &ld->mu);
    pthread_mutex_unlock(&ld->mu);
    int rc = ld->st.status ? nb_io_fail("%s", ld->st.err) : hand_out(ld, batch);
    ld->next_batch++;
    bool last = ld->next_batch == ld->per_epoch;
    post(ld, last ? ld->epoch + 1 : ld->epoch, last ? 0 : ld->next_batch);
    return rc ? -1 : 1;
}

void nb_loader_free(nb_loader *ld) {
    if (!ld) return;
    if (ld->started) {
        pthread_mutex_lock(&ld->mu);
        ld->stop = true;
        pthread_cond_broadcast(&ld->cv);
        pthread_mutex_unlock(&ld->mu);
        pthread_join(ld->thread, NULL);
    }
    pthread_mutex_destroy(&ld->mu);
    pthread_cond_destroy(&ld->cv);
    nb_arena_free(ld->work);
    free(ld->perm);
    free(ld->st.images);
    free(ld->st.masks);
    free(ld->st.labels);
    free(ld->st.indices);
    free(ld);
}
