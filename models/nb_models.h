/* nb_models.h — layers and the module tree models are composed from, in the
 * manner of torch.nn.
 *
 * A module has a kind (its class: "Linear", "Conv2d", ...), a train/eval mode,
 * named parameters and buffers, named children and a forward function. Each
 * module owns an arena holding itself, its parameters, their gradients and its
 * buffers, apart from any step arena; freeing the root frees the whole tree.
 * Names are dotted as in PyTorch's state_dict: the children of a Sequential are
 * named by their index, others by the name they were added under, so
 *
 *     nb_module *D = NB_SEQUENTIAL(nb_Linear(2, 16, true), nb_Tanh(), nb_Linear(16, 1, true));
 *
 * has parameters "0.weight", "0.bias", "2.weight", "2.bias".
 *
 * Constructors take ownership of the children they are given: when they fail
 * (NULL, with nb_error() set) those children are freed too, so a model can be
 * written as one nested expression and checked once.
 *
 * A new layer kind is one small file: an nb_layer_kind naming it with its
 * forward (optionally how to print its settings and draw its initial values),
 * and a constructor — nb_module_new, nb_module_add_param/_buffer,
 * nb_module_ready — declared below, which is all the registration it needs;
 * see models/linear.c. A model whose forward is not a chain defines its own
 * kind the same way and adds its parts as named children. */
#ifndef NB_MODELS_H
#define NB_MODELS_H

#include <stdio.h>
#include "nb_core.h"
#include "nb_ops.h"

typedef struct nb_module nb_module;

/* A kind of layer: its PyTorch class name and behaviour. */
typedef struct {
    const char *name;
    nb_tensor *(*forward)(nb_module *m, nb_tensor *x);
    /* optional: the settings shown by nb_module_print, "in_features=2, out_features=16" */
    void (*describe)(const nb_module *m, char *buf, size_t size);
    /* optional: draws the default initial values of the module's own tensors */
    void (*reset)(nb_module *m);
} nb_layer_kind;

/* Named tensors in a fixed order: a model's parameters, its state dict, an
 * optimizer's state. The arrays match nb_npz_save(path, n, names, tensors). */
typedef struct {
    int n;
    const char *const *names;
    nb_tensor *const *tensors;
} nb_named_tensors;

/* An ordered list of named items (tensors or modules) inside a module's arena. */
typedef struct {
    int n, cap;
    const char **names;
    void **items;
} nb_module_list;

struct nb_module {
    const nb_layer_kind *kind;
    void *cfg;        /* the layer's settings, a struct of its own kind */
    nb_arena *arena;  /* owns this module, its tensors and their gradients */
    nb_module *parent;
    bool training;
    bool failed; /* a constructor step failed; nb_module_ready discards the module */
    nb_module_list params, buffers, children;
    /* named lists computed on demand, rebuilt when any module's structure changes */
    unsigned long cache_gen;
    const nb_named_tensors *cache[3];
};

/* ---- the module tree -------------------------------------------------------- */
/* A new module of the given kind in its own arena, in training mode, with
 * cfg_bytes of zeroed settings at m->cfg. */
nb_module *nb_module_new(const nb_layer_kind *kind, size_t cfg_bytes);
/* Ends a constructor: draws the default initial values (kind->reset) and
 * returns m, or frees m and returns NULL when adding a part of it failed. */
nb_module *nb_module_ready(nb_module *m);
/* Frees a module tree with all its tensors. Only a root may be freed. */
void nb_module_free(nb_module *m);
/* Adds child under name (NULL: its index, as in Sequential) and returns it.
 * On failure returns NULL and frees the child unless it has another parent. */
nb_module *nb_module_add(nb_module *parent, const char *name, nb_module *child);
int nb_module_num_children(const nb_module *m);
nb_module *nb_module_child_at(const nb_module *m, int i);
nb_module *nb_module_child(const nb_module *m, const char *name); /* NULL if none */
/* New parameter (requires grad) or buffer of zeros in m's arena, named within m. */
nb_tensor *nb_module_add_param(nb_module *m, const char *name, int ndim, const int64_t *shape);
nb_tensor *nb_module_add_buffer(nb_module *m, const char *name, int ndim, const int64_t *shape);
/* m's own parameter or buffer (not a child's), NULL if it has none of that name */
nb_tensor *nb_module_param(const nb_module *m, const char *name);
nb_tensor *nb_module_buffer(const nb_module *m, const char *name);

/* Runs the module on x; results go to the current arena. */
nb_tensor *nb_forward(nb_module *m, nb_tensor *x);

/* Training mode (dropout active, batch norm on batch statistics) or eval mode,
 * set on m and all its descendants. */
void nb_module_train(nb_module *m, bool on);
void nb_module_eval(nb_module *m);
/* Turns gradient tracking of every parameter below m on or off (freezing). */
void nb_module_requires_grad(nb_module *m, bool on);
void nb_module_zero_grad(nb_module *m);
/* Calls fn on every module below m, children before their parent (PyTorch's
 * Module.apply order). */
void nb_module_apply(nb_module *m, void (*fn)(nb_module *m, void *ctx), void *ctx);
bool nb_module_is(const nb_module *m, const char *kind_name);
/* Draws the default initial values again over the tree, parents before
 * children, in order: the draws depend only on the tree, not on the order in
 * which a C compiler evaluated the constructors of one expression. */
void nb_module_reset_parameters(nb_module *m);

/* ---- named parameters, buffers and the state dict ----------------------------- */
/* All parameters below m, own ones first, then each child's in order. */
const nb_named_tensors *nb_module_parameters(nb_module *m);
const nb_named_tensors *nb_module_buffers(nb_module *m);
/* Per module: its parameters, then its buffers, then its children — the order
 * and names of PyTorch's state_dict(). */
const nb_named_tensors *nb_module_state_dict(nb_module *m);
int64_t nb_module_num_elements(nb_module *m); /* total elements of the parameters */
nb_tensor *nb_named_find(const nb_named_tensors *l, const char *name);
/* Copies src tensors into the tensors of dst with the same name (a loaded
 * checkpoint into a model or optimizer). Shapes must match. With strict, every
 * name of dst must be given and no other. 0, or -1 with nb_error() set. */
int nb_named_load(const nb_named_tensors *dst, int n, const char *const *names,
                  nb_tensor *const *src, bool strict);
/* Prints the tree as PyTorch prints a module. */
void nb_module_print(const nb_module *m, FILE *f);
/* For a kind's describe: appends printf-style text to the string in buf. */
void nb_describef(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- initialization (from the global seeded RNG, in index order) --------------- */
void nb_init_uniform(nb_tensor *t, double lo, double hi);
void nb_init_normal(nb_tensor *t, double mean, double std);
void nb_init_constant(nb_tensor *t, double value);
/* fan_in as PyTorch computes it: dim 1 times the product of dims 2.. */
int64_t nb_fan_in(const nb_tensor *t);
/* PyTorch's default for Linear and convolutions: weight kaiming-uniform with
 * a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias (may be NULL)
 * from the same range. */
void nb_init_default(nb_tensor *weight, nb_tensor *bias);
/* DCGAN's init over a model: weights of every Conv kind ~ N(0, 0.02); weights
 * of every BatchNorm kind ~ N(1, 0.02) with bias 0. Other layers are left. */
void nb_init_dcgan(nb_module *m);

/* ---- layers ------------------------------------------------------------------- */
/* Sequential: runs its children in order. NB_SEQUENTIAL(a, b, c) is
 * nb_Sequential(3, (nb_module *[]){a, b, c}); nb_Sequential(0, NULL) starts an
 * empty one to fill with nb_module_add. (C leaves the order in which a, b, c are
 * evaluated unspecified; GCC and Clang go left to right. Where the random
 * initial values must not depend on the compiler, follow with
 * nb_module_reset_parameters.) */
nb_module *nb_Sequential(int n, nb_module *const *children);
#define NB_SEQUENTIAL(...) \
    nb_Sequential((int)(sizeof((nb_module *[]){__VA_ARGS__}) / sizeof(nb_module *)), \
                  (nb_module *[]){__VA_ARGS__})

/* y = x W^T + b, W [out, in] */
nb_module *nb_Linear(int64_t in, int64_t out, bool bias);
/* W [out, in/groups, k, k]; nb_Conv2d_ex takes every setting of nb_conv_params */
nb_module *nb_Conv2d(int64_t in, int64_t out, int kernel, int stride, int padding, bool bias);
nb_module *nb_Conv2d_ex(int64_t in, int64_t out, int kernel, nb_conv_params p, bool bias);
/* W [in, out/groups, k, k] */
nb_module *nb_ConvTranspose2d(int64_t in, int64_t out, int kernel, int stride, int padding,
                              bool bias);
nb_module *nb_ConvTranspose2d_ex(int64_t in, int64_t out, int kernel, nb_conv_params p, bool bias);
/* weight, bias [C]; buffers running_mean, running_var [C], num_batches_tracked [].
 * PyTorch's defaults are eps 1e-5, momentum 0.1. 1d takes [N,C] or [N,C,L]. */
nb_module *nb_BatchNorm1d(int64_t channels, double eps, double momentum);
nb_module *nb_BatchNorm2d(int64_t channels, double eps, double momentum);
/* normalizes over the trailing shape given (NB_SHAPE(64) or NB_SHAPE(C, H, W)) */
nb_module *nb_LayerNorm(int ndim, const int64_t *shape, double eps);
nb_module *nb_Dropout(double p);
nb_module *nb_Dropout2d(double p);
nb_module *nb_ReLU(void);
nb_module *nb_LeakyReLU(double slope);
nb_module *nb_Tanh(void);
nb_module *nb_Sigmoid(void);
nb_module *nb_Upsample(int scale); /* nearest neighbour, by an integer factor */
nb_module *nb_Flatten(void);       /* [N, ...] -> [N, rest] */
/* x.view(N, shape...): the shape of one sample, one -1 allowed (NB_SHAPE(128, 7, 7)) */
nb_module *nb_Reshape(int ndim, const int64_t *shape);

#endif
