/* module.c — the module tree: a module in its own arena, its named children,
 * parameters and buffers, forward dispatch, and the settings applied over a
 * whole tree (train/eval, requires_grad, default initialization).
 *
 * A module's arena holds the module, its settings, its parameters with their
 * gradients and its buffers. Children keep their own arenas and are freed with
 * their root, so a tree is built bottom-up from finished parts, as nn.Module
 * trees are, and freed with one call. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "module_internal.h"

static atomic_ulong generation = 1;

void nb_module_changed(void) { atomic_fetch_add(&generation, 1); }
unsigned long nb_module_generation(void) { return atomic_load(&generation); }

char *nb_arena_concat(nb_arena *a, const char *s1, const char *s2) {
    size_t n1 = strlen(s1), n2 = s2 ? strlen(s2) : 0;
    char *s = nb_arena_alloc(a, n1 + n2 + 1);
    if (!s) return NULL;
    memcpy(s, s1, n1);
    if (n2) memcpy(s + n1, s2, n2);
    s[n1 + n2] = 0;
    return s;
}

nb_module *nb_module_new(const nb_layer_kind *kind, size_t cfg_bytes) {
    if (!kind || !kind->name || !kind->forward)
        return nb_error_set("module_new: a layer kind needs a name and a forward");
    nb_arena *a = nb_arena_new();
    if (!a) return NULL;
    nb_module *m = nb_arena_alloc(a, sizeof *m);
    void *cfg = cfg_bytes ? nb_arena_alloc(a, cfg_bytes) : NULL;
    if (!m || (cfg_bytes && !cfg)) {
        nb_arena_free(a);
        return NULL;
    }
    m->kind = kind;
    m->cfg = cfg;
    m->arena = a;
    m->training = true;
    return m;
}

static void free_tree(nb_module *m) {
    for (int i = 0; i < m->children.n; i++) free_tree(m->children.items[i]);
    nb_arena_free(m->arena); /* m itself lives there: last */
}

void nb_module_free(nb_module *m) {
    if (!m) return;
    if (m->parent) {
        nb_error_set("module_free: this %s is a child of a %s; free the root", m->kind->name,
                     m->parent->kind->name);
        return;
    }
    free_tree(m);
}

nb_module *nb_module_ready(nb_module *m) {
    if (!m) return NULL;
    if (m->failed) {
        nb_module_free(m);
        return NULL;
    }
    if (m->kind->reset) m->kind->reset(m);
    return m;
}

/* ---- named lists inside a module ------------------------------------------ */

static int list_index(const nb_module_list *l, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name)) return i;
    return -1;
}

/* Appends (name, item); the arrays grow by doubling inside the arena (the old
 * ones stay there unused: lists are short and built once). */
static bool list_push(nb_arena *a, nb_module_list *l, const char *name, void *item) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 4;
        const char **names = nb_arena_alloc(a, (size_t)cap * sizeof *names);
        void **items = nb_arena_alloc(a, (size_t)cap * sizeof *items);
        if (!names || !items) return false;
        if (l->n) {
            memcpy(names, l->names, (size_t)l->n * sizeof *names);
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        }
        l->names = names;
        l->items = items;
        l->cap = cap;
    }
    const char *copy = nb_arena_concat(a, name, NULL);
    if (!copy) return false;
    l->names[l->n] = copy;
    l->items[l->n++] = item;
    nb_module_changed();
    return true;
}

/* A name is a non-empty word without dots, new among the module's names of that list. */
static bool name_ok(const nb_module *m, const nb_module_list *l, const char *what, const char *name) {
    if (!*name || strchr(name, '.'))
        nb_error_set("%s: %s name '%s' must be non-empty and without '.'", m->kind->name, what, name);
    else if (list_index(l, name) >= 0)
        nb_error_set("%s: %s name '%s' is already used", m->kind->name, what, name);
    else
        return true;
    return false;
}

/* ---- children ----------------------------------------------------------------- */

static bool is_ancestor(const nb_module *a, const nb_module *m) {
    for (; m; m = m->parent)
        if (m == a) return true;
    return false;
}

nb_module *nb_module_add(nb_module *parent, const char *name, nb_module *child) {
    if (!child) return nb_error_set("module_add: no child module (its constructor failed?)");
    if (child->parent)
        return nb_error_set("module_add: the %s already belongs to a %s", child->kind->name,
                            child->parent->kind->name);
    if (parent && is_ancestor(child, parent))
        return nb_error_set("module_add: a %s cannot contain itself", child->kind->name);
    char index[24];
    if (!name) {
        snprintf(index, sizeof index, "%d", parent ? parent->children.n : 0);
        name = index;
    }
    if (!parent) {
        nb_error_set("module_add: no parent module");
    } else if (name_ok(parent, &parent->children, "child", name) &&
               list_push(parent->arena, &parent->children, name, child)) {
        child->parent = parent;
        return child;
    }
    nb_module_free(child);
    return NULL;
}

int nb_module_num_children(const nb_module *m) { return m ? m->children.n : 0; }

nb_module *nb_module_child_at(const nb_module *m, int i) {
    if (!m || i < 0 || i >= m->children.n) return NULL;
    return m->children.items[i];
}

nb_module *nb_module_child(const nb_module *m, const char *name) {
    int i = m && name ? list_index(&m->children, name) : -1;
    return i < 0 ? NULL : m->children.items[i];
}

/* ---- parameters and buffers ------------------------------------------------- */

static nb_tensor *add_tensor(nb_module *m, nb_module_list *l, const char *what, const char *name,
                             int ndim, const int64_t *shape) {
    if (!m) return NULL;
    nb_tensor *t = NULL;
    if (name && name_ok(m, l, what, name)) {
        nb_arena *prev = nb_arena_use(m->arena);
        t = nb_zeros(ndim, shape);
        nb_arena_use(prev);
        if (t && !list_push(m->arena, l, name, t)) t = NULL;
    } else if (!name) {
        nb_error_set("%s: a %s needs a name", m->kind->name, what);
    }
    if (!t) m->failed = true;
    return t;
}

nb_tensor *nb_module_add_param(nb_module *m, const char *name, int ndim, const int64_t *shape) {
    nb_tensor *t = add_tensor(m, m ? &m->params : NULL, "parameter", name, ndim, shape);
    return t ? nb_requires_grad(t, true) : NULL;
}

nb_tensor *nb_module_add_buffer(nb_module *m, const char *name, int ndim, const int64_t *shape) {
    return add_tensor(m, m ? &m->buffers : NULL, "buffer", name, ndim, shape);
}

nb_tensor *nb_module_param(const nb_module *m, const char *name) {
    int i = m && name ? list_index(&m->params, name) : -1;
    return i < 0 ? NULL : m->params.items[i];
}

nb_tensor *nb_module_buffer(const nb_module *m, const char *name) {
    int i = m && name ? list_index(&m->buffers, name) : -1;
    return i < 0 ? NULL : m->buffers.items[i];
}

/* ---- running and settings over a tree ----------------------------------------- */

nb_tensor *nb_forward(nb_module *m, nb_tensor *x) {
    if (!m) return nb_error_set("forward: no module (its constructor failed?)");
    if (nb_any_null(1, &x)) return NULL;
    return m->kind->forward(m, x);
}

void nb_module_apply(nb_module *m, void (*fn)(nb_module *m, void *ctx), void *ctx) {
    if (!m) return;
    for (int i = 0; i < m->children.n; i++) nb_module_apply(m->children.items[i], fn, ctx);
    fn(m, ctx);
}

static void set_training(nb_module *m, void *on) { m->training = *(bool *)on; }

void nb_module_train(nb_module *m, bool on) { nb_module_apply(m, set_training, &on); }
void nb_module_eval(nb_module *m) { nb_module_train(m, false); }

static void set_requires_grad(nb_module *m, void *on) {
    for (int i = 0; i < m->params.n; i++) ((nb_tensor *)m->params.items[i])->requires_grad = *(bool *)on;
}

void nb_module_requires_grad(nb_module *m, bool on) { nb_module_apply(m, set_requires_grad, &on); }

static void zero_grad(nb_module *m, void *ctx) {
    (void)ctx;
    for (int i = 0; i < m->params.n; i++) nb_zero_grad(m->params.items[i]);
}

void nb_module_zero_grad(nb_module *m) { nb_module_apply(m, zero_grad, NULL); }

bool nb_module_is(const nb_module *m, const char *kind_name) {
    return m && kind_name && !strcmp(m->kind->name, kind_name);
}

void nb_module_reset_parameters(nb_module *m) {
    if (!m) return;
    if (m->kind->reset) m->kind->reset(m);
    for (int i = 0; i < m->children.n; i++) nb_module_reset_parameters(m->children.items[i]);
}
