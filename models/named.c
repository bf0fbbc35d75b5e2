/* named.c — a module tree's tensors by dotted name: its parameters, buffers
 * and state dict as PyTorch names and orders them, and loading named tensors
 * (a checkpoint) back into such a list.
 *
 * The lists are computed on first use and kept in the module's arena until the
 * structure of some module changes, so asking for them every step costs
 * nothing and allocates nothing. */
#include <string.h>
#include "module_internal.h"

enum { PARAMS, BUFFERS, STATE };

static int count(const nb_module *m, int which) {
    int n = (which != BUFFERS ? m->params.n : 0) + (which != PARAMS ? m->buffers.n : 0);
    for (int i = 0; i < m->children.n; i++) n += count(m->children.items[i], which);
    return n;
}

typedef struct {
    nb_arena *arena;
    const char **names;
    nb_tensor **tensors;
    int k;
    bool ok;
} filler;

static void put(filler *f, const char *prefix, const nb_module_list *l) {
    for (int i = 0; i < l->n && f->ok; i++) {
        f->names[f->k] = nb_arena_concat(f->arena, prefix, l->names[i]);
        f->tensors[f->k++] = l->items[i];
        f->ok = f->names[f->k - 1] != NULL;
    }
}

/* Own tensors first (parameters, then buffers), then each child under "<prefix><name>." */
static void fill(filler *f, const nb_module *m, const char *prefix, int which) {
    if (which != BUFFERS) put(f, prefix, &m->params);
    if (which != PARAMS) put(f, prefix, &m->buffers);
    for (int i = 0; i < m->children.n && f->ok; i++) {
        const nb_module *c = m->children.items[i];
        if (!count(c, which)) continue;
        char *p = nb_arena_concat(f->arena, prefix, m->children.names[i]);
        p = p ? nb_arena_concat(f->arena, p, ".") : NULL;
        f->ok = p != NULL;
        if (p) fill(f, c, p, which);
    }
}

static const nb_named_tensors *named(nb_module *m, int which) {
    if (!m) return nb_error_set("named tensors: no module (its constructor failed?)");
    unsigned long gen = nb_module_generation();
    if (m->cache_gen != gen) {
        memset(m->cache, 0, sizeof m->cache);
        m->cache_gen = gen;
    }
    if (m->cache[which]) return m->cache[which];
    int n = count(m, which);
    nb_named_tensors *l = nb_arena_alloc(m->arena, sizeof *l);
    filler f = {m->arena, nb_arena_alloc(m->arena, (size_t)(n ? n : 1) * sizeof(char *)),
                nb_arena_alloc(m->arena, (size_t)(n ? n : 1) * sizeof(nb_tensor *)), 0, true};
    if (!l || !f.names || !f.tensors) return NULL;
    fill(&f, m, "", which);
    if (!f.ok) return NULL;
    *l = (nb_named_tensors){n, f.names, f.tensors};
    m->cache[which] = l;
    return l;
}

const nb_named_tensors *nb_module_parameters(nb_module *m) { return named(m, PARAMS); }
const nb_named_tensors *nb_module_buffers(nb_module *m) { return named(m, BUFFERS); }
const nb_named_tensors *nb_module_state_dict(nb_module *m) { return named(m, STATE); }

int64_t nb_module_num_elements(nb_module *m) {
    const nb_named_tensors *p = nb_module_parameters(m);
    int64_t n = 0;
    for (int i = 0; p && i < p->n; i++) n += p->tensors[i]->numel;
    return n;
}

static int find(const nb_named_tensors *l, const char *name) {
    for (int i = 0; l && name && i < l->n; i++)
        if (!strcmp(l->names[i], name)) return i;
    return -1;
}

nb_tensor *nb_named_find(const nb_named_tensors *l, const char *name) {
    int i = find(l, name);
    return i < 0 ? NULL : l->tensors[i];
}

/* Checks everything before copying anything, so a failed load leaves dst as it was. */
int nb_named_load(const nb_named_tensors *dst, int n, const char *const *names,
                  nb_tensor *const *src, bool strict) {
    char s1[96], s2[96];
    if (!dst || n < 0 || (n && (!names || !src)))
        return nb_error_set("load: no destination or no tensors given"), -1;
    for (int i = 0; i < n; i++) {
        if (!names[i] || !src[i])
            return nb_error_set("load: entry %d has no name or no tensor", i), -1;
        int j = find(dst, names[i]);
        if (j < 0 && strict) return nb_error_set("load: unexpected tensor '%s'", names[i]), -1;
        if (j >= 0 && !nb_same_shape(dst->tensors[j], src[i]))
            return nb_error_set("load: '%s' has shape %s, the model expects %s", names[i],
                                nb_shape_str(src[i], s1), nb_shape_str(dst->tensors[j], s2)),
                   -1;
    }
    for (int j = 0; strict && j < dst->n; j++) {
        bool given = false;
        for (int i = 0; i < n && !given; i++) given = !strcmp(names[i], dst->names[j]);
        if (!given) return nb_error_set("load: '%s' is missing", dst->names[j]), -1;
    }
    for (int i = 0; i < n; i++) {
        int j = find(dst, names[i]);
        if (j >= 0)
            memcpy(dst->tensors[j]->data, src[i]->data, (size_t)src[i]->numel * sizeof(nb_real));
    }
    return 0;
}
