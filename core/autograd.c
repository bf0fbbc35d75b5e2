/* autograd.c — the reverse pass over the tape.
 *
 * The tape is implicit: each op result points to its node, each node to its
 * inputs. nb_grad sorts the graph below the outputs (iterative DFS, postorder),
 * marks the tensors from which a wanted input can be reached, then walks the
 * order backwards calling each node's VJP from the op table. The VJPs are built
 * from public ops, so running this pass with grad mode on (create_graph) leaves
 * the gradients on the tape, ready to be differentiated again — the double
 * backward of the WGAN-GP gradient penalty. */
#include <stdlib.h>
#include <string.h>
#include "nb_internal.h"
#include "nb_ops.h"

enum { VISITED = 1, DONE = 2, NEEDED = 4, TARGET = 8 };

static _Thread_local bool grad_mode = true;
static uint32_t epoch;
_Thread_local int64_t nb_vjp_count;

bool nb_grad_enabled(void) { return grad_mode; }

bool nb_set_grad_enabled(bool on) {
    bool prev = grad_mode;
    grad_mode = on;
    return prev;
}

nb_tensor *nb_requires_grad(nb_tensor *t, bool on) {
    if (!t) return NULL;
    if (t->node) return nb_error_set("requires_grad: only leaves can be marked, not an op's result");
    t->requires_grad = on;
    return t;
}

void nb_zero_grad(nb_tensor *t) {
    if (t && t->grad) memset(t->grad->data, 0, (size_t)t->grad->numel * sizeof(nb_real));
}

static int state(const nb_tensor *t) { return t->bw_epoch == epoch ? t->bw_state : 0; }

static void set_state(nb_tensor *t, int s) {
    if (t->bw_epoch != epoch) {
        t->bw_epoch = epoch;
        t->bw_state = 0;
        t->bw_acc = NULL;
    }
    t->bw_state |= s;
}

typedef struct {
    nb_tensor **v;
    size_t n, cap;
} tvec;

static bool push(tvec *s, nb_tensor *t) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        nb_tensor **nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) return false;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = t;
    return true;
}

/* Postorder of the graph below the roots: every tensor after all of its inputs.
 * A tensor is expanded (VISITED) when it first reaches the top of the stack and
 * emitted (DONE) when it comes back to the top, its inputs all emitted; copies
 * pushed by several consumers are dropped once DONE. A tensor is NEEDED when it
 * is a target or one of its node's inputs is NEEDED. */
static bool sort_graph(int n_roots, nb_tensor *const *roots, tvec *order) {
    tvec stack = {0};
    bool ok = true;
    for (int r = 0; r < n_roots && ok; r++) {
        ok = push(&stack, roots[r]);
        while (ok && stack.n) {
            nb_tensor *t = stack.v[stack.n - 1];
            nb_node *nd = t->node;
            int st = state(t);
            if (st & DONE) {
                stack.n--;
            } else if (!(st & VISITED)) {
                set_state(t, VISITED);
                for (int i = 0; nd && i < nd->n_inputs && ok; i++)
                    if (nd->inputs[i]->requires_grad && !(state(nd->inputs[i]) & DONE))
                        ok = push(&stack, nd->inputs[i]);
            } else {
                stack.n--;
                int s = DONE | (st & TARGET ? NEEDED : 0);
                for (int i = 0; nd && i < nd->n_inputs; i++)
                    if (state(nd->inputs[i]) & NEEDED) s |= NEEDED;
                set_state(t, s);
                ok = push(order, t);
            }
        }
    }
    free(stack.v);
    if (!ok) nb_error_set("backward: out of memory");
    return ok;
}

static bool accumulate(nb_tensor *t, nb_tensor *g) {
    char s1[96], s2[96];
    if (!g) return false;
    if (!nb_same_shape(t, g)) {
        nb_error_set("backward: gradient of shape %s for a tensor of shape %s", nb_shape_str(g, s1),
                     nb_shape_str(t, s2));
        return false;
    }
    t->bw_acc = t->bw_acc ? nb_add(t->bw_acc, g) : g;
    return t->bw_acc != NULL;
}

static bool run_node(nb_tensor *t) {
    nb_node *nd = t->node;
    nb_tensor *gin[NB_MAX_INPUTS] = {0};
    bool need[NB_MAX_INPUTS] = {0}, any = false;
    for (int i = 0; i < nd->n_inputs; i++) {
        need[i] = nd->inputs[i]->requires_grad && (state(nd->inputs[i]) & NEEDED);
        any |= need[i];
    }
    if (!any) return true;
    nb_vjp_count++;
    nb_op_table[nd->op].backward(nd, t->bw_acc, gin, need);
    for (int i = 0; i < nd->n_inputs; i++)
        if (need[i] && !accumulate(nd->inputs[i], gin[i])) {
            nb_error_set("backward of %s failed", nb_op_table[nd->op].name);
            return false;
        }
    return true;
}

/* The shared pass: seeds the outputs, walks the graph, leaves sums in bw_acc. */
static bool reverse_pass(int n_out, nb_tensor *const *outputs, nb_tensor *const *grad_outputs,
                         int n_in, nb_tensor *const *inputs, bool all_leaves, tvec *order) {
    epoch++;
    nb_vjp_count = 0;
    for (int i = 0; i < n_in; i++) set_state(inputs[i], TARGET);
    if (!sort_graph(n_out, outputs, order)) return false;
    if (all_leaves)
        for (size_t k = 0; k < order->n; k++)
            if (!order->v[k]->node) set_state(order->v[k], TARGET), order->v[k]->bw_state |= NEEDED;
    if (all_leaves) /* recompute NEEDED upwards now that leaves are targets */
        for (size_t k = 0; k < order->n; k++) {
            nb_tensor *t = order->v[k];
            for (int i = 0; t->node && i < t->node->n_inputs; i++)
                if (state(t->node->inputs[i]) & NEEDED) t->bw_state |= NEEDED;
        }
    for (int j = 0; j < n_out; j++) {
        nb_tensor *g = grad_outputs && grad_outputs[j] ? grad_outputs[j]
                                                       : nb_ones(outputs[j]->ndim, outputs[j]->shape);
        if (!accumulate(outputs[j], g)) return false;
    }
    for (size_t k = order->n; k-- > 0;) {
        nb_tensor *t = order->v[k];
        if (t->node && t->bw_acc && (t->bw_state & NEEDED) && !run_node(t)) return false;
    }
    return true;
}

int nb_grad(int n_out, nb_tensor *const *outputs, nb_tensor *const *grad_outputs, int n_in,
            nb_tensor *const *inputs, nb_tensor **grads, bool create_graph) {
    if (nb_any_null(n_out, outputs) || nb_any_null(n_in, inputs)) return -1;
    for (int j = 0; j < n_out; j++)
        if (grad_outputs && grad_outputs[j] && !nb_same_shape(grad_outputs[j], outputs[j])) {
            char s1[96], s2[96];
            nb_error_set("grad: grad_output %d has shape %s, output has %s", j,
                         nb_shape_str(grad_outputs[j], s1), nb_shape_str(outputs[j], s2));
            return -1;
        }
    bool prev = nb_set_grad_enabled(create_graph);
    tvec order = {0};
    bool ok = reverse_pass(n_out, outputs, grad_outputs, n_in, inputs, false, &order);
    for (int i = 0; ok && i < n_in; i++) {
        nb_tensor *x = inputs[i];
        grads[i] = state(x) & DONE && x->bw_acc ? x->bw_acc : nb_zeros(x->ndim, x->shape);
        ok = grads[i] != NULL;
    }
    free(order.v);
    nb_set_grad_enabled(prev);
    return ok ? 0 : -1;
}

int nb_backward(nb_tensor *loss) {
    if (nb_any_null(1, &loss)) return -1;
    if (loss->numel != 1) {
        char s[96];
        return nb_error_set("backward: loss must have one element, has shape %s",
                            nb_shape_str(loss, s)),
               -1;
    }
    if (!loss->requires_grad) {
        nb_error_set("backward: the loss does not require grad (no parameter reaches it)");
        return -1;
    }
    bool prev = nb_set_grad_enabled(false);
    tvec order = {0};
    bool ok = reverse_pass(1, &loss, NULL, 0, NULL, true, &order);
    for (size_t k = 0; ok && k < order.n; k++) {
        nb_tensor *t = order.v[k];
        if (t->node || !t->bw_acc) continue;
        if (!t->grad) {
            t->grad = nb_copy_to(t->arena, t->bw_acc);
            ok = t->grad != NULL;
        } else {
            for (int64_t i = 0; i < t->numel; i++) t->grad->data[i] += t->bw_acc->data[i];
        }
    }
    free(order.v);
    nb_set_grad_enabled(prev);
    return ok ? 0 : -1;
}
