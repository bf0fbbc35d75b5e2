/* arena.c — arenas own tensors. A training step's intermediates are made in a
 * step arena and released together by nb_arena_reset; parameters and optimizer
 * state live in a longer-lived arena. Small records (tensor headers, tape nodes)
 * come from bump blocks; data buffers are separate 64-byte aligned allocations so
 * that AddressSanitizer sees every buffer's bounds. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nb_internal.h"

#define BLOCK_BYTES (64 * 1024)
/* A buffer freed by a reset is fresh memory again at the next step, and the
 * first touch of each 4 KiB page faults; on large tensors (a conv layer's
 * columns or output) that costs as much as the arithmetic. Buffers from
 * HUGE_MIN bytes are therefore aligned to and asked for in 2 MiB pages. */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20)

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(64) unsigned char mem[];
} block;

struct nb_arena {
    block *blocks;   /* bump blocks for small records */
    void **bufs;     /* separately allocated buffers */
    size_t n_bufs, cap_bufs;
    size_t bytes;
};

nb_arena *nb_arena_new(void) {
    nb_arena *a = calloc(1, sizeof *a);
    if (!a) nb_error_set("arena: out of memory");
    return a;
}

void nb_arena_reset(nb_arena *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n_bufs; i++) free(a->bufs[i]);
    a->n_bufs = 0;
    /* keep the first block for the next step, free the rest */
    block *b = a->blocks;
    if (b) {
        block *rest = b->next;
        while (rest) {
            block *nx = rest->next;
            free(rest);
            rest = nx;
        }
        b->next = NULL;
        b->used = 0;
    }
    a->bytes = b ? b->cap : 0;
}

void nb_arena_free(nb_arena *a) {
    if (!a) return;
    nb_arena_reset(a);
    free(a->blocks);
    free(a->bufs);
    free(a);
}

size_t nb_arena_bytes(const nb_arena *a) { return a ? a->bytes : 0; }

static void *alloc_buffer(nb_arena *a, size_t bytes) {
    if (a->n_bufs == a->cap_bufs) {
        size_t cap = a->cap_bufs ? 2 * a->cap_bufs : 256;
        void **nb = realloc(a->bufs, cap * sizeof *nb);
        if (!nb) return nb_error_set("arena: out of memory");
        a->bufs = nb;
        a->cap_bufs = cap;
    }
    size_t rounded = (bytes + 63) & ~(size_t)63, align = 64;
    if (rounded >= HUGE_MIN) align = HUGE_PAGE, rounded = (rounded + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(align, rounded ? rounded : 64);
    if (!p) return nb_error_set("arena: out of memory allocating %zu bytes", bytes);
    if (align == HUGE_PAGE) madvise(p, rounded, MADV_HUGEPAGE); /* a hint: failure is harmless */
    a->bufs[a->n_bufs++] = p;
    a->bytes += rounded;
    return p;
}

void *nb_arena_alloc(nb_arena *a, size_t bytes) {
    if (!a) a = nb_arena_current();
    if (bytes > BLOCK_BYTES / 4) return alloc_buffer(a, bytes);
    size_t need = (bytes + 15) & ~(size_t)15;
    block *b = a->blocks;
    if (!b || b->used + need > b->cap) {
        block *nb = aligned_alloc(64, sizeof(block) + BLOCK_BYTES);
        if (!nb) return nb_error_set("arena: out of memory");
        nb->used = 0;
        nb->cap = BLOCK_BYTES;
        nb->next = a->blocks;
        a->blocks = nb;
        a->bytes += BLOCK_BYTES;
        b = nb;
    }
    void *p = b->mem + b->used;
    b->used += need;
    memset(p, 0, need);
    return p;
}

/* ---- the current arena of each thread --------------------------------- */

static _Thread_local nb_arena *current;
static _Thread_local nb_arena *fallback;

nb_arena *nb_arena_current(void) {
    if (current) return current;
    if (!fallback) fallback = nb_arena_new();
    return fallback;
}

nb_arena *nb_arena_use(nb_arena *a) {
    nb_arena *prev = current;
    current = a;
    return prev;
}
