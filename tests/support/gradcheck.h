/* gradcheck.h — finite-difference checks of first and second derivatives, the
 * test every op must pass.
 *
 * f maps the inputs to one output y. With a fixed random v (the output
 * gradient), first order compares the VJP grad(<v, y>, x) from the tape with
 * central differences (L(x + h e_k) - L(x - h e_k)) / 2h of L = <v, f(x)>.
 * Second order differentiates M = <u, grad(<v, y>, x)> (create_graph) with
 * respect to x and to v, and compares with central differences of the first
 * order VJP itself — what torch.autograd.gradgradcheck does.
 *
 * Error of an element: |analytic - numeric| / max(|analytic|, |numeric|, floor),
 * floor 1e-3 in the double build (step 1e-6, tolerances 1e-6 first order and
 * 1e-5 second order). Float differences carry ~1e-4 of rounding, so the float
 * build uses floor 1, step 2e-3 and tolerances 2e-2 / 5e-2: it shows that the
 * same code runs in float, the double build shows that it is right. */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include <stdbool.h>
#include "nb_core.h"

typedef nb_tensor *(*gc_fn)(nb_tensor **x, void *ctx);

typedef struct {
    double max_err;      /* largest element error */
    const char *where;   /* "input 0 element 5" of the worst one */
} gc_result;

gc_result gc_first_order(gc_fn f, int n, nb_tensor **x, void *ctx);
gc_result gc_second_order(gc_fn f, int n, nb_tensor **x, void *ctx);

double gc_tol_first(void);
double gc_tol_second(void);

/* cmocka assertions of both orders; the message names the op under test. */
void gc_check(const char *name, gc_fn f, int n, nb_tensor **x, void *ctx);
void gc_check_first_only(const char *name, gc_fn f, int n, nb_tensor **x, void *ctx);

/* Random inputs: uniform in [lo, hi], and uniform with |x| in [lo, hi] and a
 * random sign (keeps away from kinks at 0). */
nb_tensor *gc_uniform(int ndim, const int64_t *shape, double lo, double hi);
nb_tensor *gc_away_from_zero(int ndim, const int64_t *shape, double lo, double hi);

#endif
