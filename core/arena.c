/* arena.c — arenas own tensors. A training step's intermediates are made in a
 * step arena and released together by nb_arena_reset; parameters and optimizer
 * state live in a longer-lived arena. Small records (tensor headers, tape nodes)
 * come from bump blocks; data buffers are separate 64-byte aligned allocations so
 * that AddressSanitizer sees every buffer's bounds.
 *
 * Recycling. Memory handed back to the system and asked for again is fresh, and
 * the first touch of each page faults; a training step repeats the same shapes,
 * so at reset the buffers go to a cache sorted by size, and the next steps take
 * exact-size matches from it. A cached buffer that no step has taken for KEEP
 * resets is freed, so the cache holds about what the largest of the alternating
 * steps (critic, generator) needs. Under AddressSanitizer cached buffers are
 * poisoned, so a tensor used after its arena's reset is still reported. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nb_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define NB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NB_ASAN 1
#endif
#endif
#ifdef NB_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOCK_BYTES (64 * 1024)
/* Large buffers are aligned to and asked for in 2 MiB pages: fewer faults and
 * TLB misses on a conv layer's columns or output. */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20)
#define KEEP 4 /* resets a cached buffer may go unused before it is freed */

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(64) unsigned char mem[];
} block;

typedef struct {
    void *p;        /* NULL once taken from the cache */
    size_t size;    /* rounded size, the key of the cache */
    uint64_t stamp; /* the reset at which it was last released */
} buffer;

typedef struct {
    buffer *v;
    size_t n, cap;
} buffer_list;

struct nb_arena {
    block *blocks;     /* bump blocks for small records */
    buffer_list live;  /* buffers of the tensors made since the last reset */
    buffer_list cache; /* released buffers, sorted by size */
    uint64_t resets;
    size_t bytes;
};

nb_arena *nb_arena_new(void) {
    nb_arena *a = calloc(1, sizeof *a);
    if (!a) nb_error_set("arena: out of memory");
    return a;
}

static bool list_push(buffer_list *l, buffer b) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        buffer *v = realloc(l->v, cap * sizeof *v);
        if (!v) return false;
        l->v = v, l->cap = cap;
    }
    l->v[l->n++] = b;
    return true;
}

/* a cached buffer back to the system */
static void give_back(buffer b) {
    UNPOISON(b.p, b.size);
    free(b.p);
}

static int by_size(const void *x, const void *y) {
    const buffer *a = x, *b = y;
    return (a->size > b->size) - (a->size < b->size);
}

/* The cache after a reset: what is still untaken and was used in the last KEEP
 * resets, plus this step's buffers, sorted by size. */
static void release_live(nb_arena *a) {
    a->resets++;
    size_t kept = 0;
    for (size_t i = 0; i < a->cache.n; i++) {
        buffer b = a->cache.v[i];
        if (b.p && b.stamp + KEEP < a->resets) give_back(b);
        else if (b.p) a->cache.v[kept++] = b;
    }
    a->cache.n = kept;
    for (size_t i = 0; i < a->live.n; i++) {
        buffer b = a->live.v[i];
        b.stamp = a->resets;
        if (list_push(&a->cache, b)) {
            POISON(b.p, b.size);
        } else {
            free(b.p); /* no room to remember it: give it back */
        }
    }
    a->live.n = 0;
    if (a->cache.n > 1) qsort(a->cache.v, a->cache.n, sizeof *a->cache.v, by_size);
}

void nb_arena_reset(nb_arena *a) {
    if (!a) return;
    release_live(a);
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
    for (size_t i = 0; i < a->cache.n; i++)
        if (a->cache.v[i].p) give_back(a->cache.v[i]);
    free(a->blocks);
    free(a->live.v);
    free(a->cache.v);
    free(a);
}

size_t nb_arena_bytes(const nb_arena *a) { return a ? a->bytes : 0; }

/* An untaken cached buffer of exactly `size` bytes, taken; or NULL. Entries of
 * one size are contiguous; they are taken from the last one backwards. */
static void *take_cached(nb_arena *a, size_t size) {
    size_t lo = 0, hi = a->cache.n; /* first entry larger than size */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->cache.v[mid].size <= size) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i-- > 0 && a->cache.v[i].size == size;)
        if (a->cache.v[i].p) {
            void *p = a->cache.v[i].p;
            a->cache.v[i].p = NULL;
            UNPOISON(p, size);
            return p;
        }
    return NULL;
}

static void *alloc_buffer(nb_arena *a, size_t bytes) {
    size_t size = (bytes + 63) & ~(size_t)63, align = 64;
    if (size == 0) size = 64;
    if (size >= HUGE_MIN) align = HUGE_PAGE, size = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = take_cached(a, size);
    if (!p) {
        if (!(p = aligned_alloc(align, size))) return nb_error_set("arena: out of memory allocating %zu bytes", bytes);
        if (align == HUGE_PAGE) madvise(p, size, MADV_HUGEPAGE); /* a hint: failure is harmless */
    }
    if (!list_push(&a->live, (buffer){p, size, 0})) {
        free(p);
        return nb_error_set("arena: out of memory");
    }
    a->bytes += size;
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
