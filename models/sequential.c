/* sequential.c — Sequential (torch.nn.Sequential): runs its children in order,
 * each on the output of the one before. Children are named by index unless
 * added under a name with nb_module_add. */
#include "nb_models.h"

static nb_tensor *sequential_forward(nb_module *m, nb_tensor *x) {
    for (int i = 0; i < m->children.n && x; i++) x = nb_forward(m->children.items[i], x);
    return x;
}

static const nb_layer_kind sequential_kind = {"Sequential", sequential_forward, NULL, NULL};

/* Takes ownership of the children: if any is NULL or cannot be added, the
 * Sequential and every child not owned elsewhere are freed. */
nb_module *nb_Sequential(int n, nb_module *const *children) {
    nb_module *m = NULL;
    if (n < 0 || (n && !children))
        nb_error_set("Sequential: %d children given", n);
    else
        m = nb_module_new(&sequential_kind, 0);
    for (int i = 0; i < n && children; i++) {
        nb_module *c = children[i];
        if (m && !nb_module_add(m, NULL, c)) {
            nb_module_free(m);
            m = NULL;
        } else if (!m && c && !c->parent) {
            nb_module_free(c);
        }
    }
    return nb_module_ready(m);
}
