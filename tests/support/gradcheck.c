/* gradcheck.c — see gradcheck.h for the method and the error measure. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include "gradcheck.h"
#include "nb_ops.h"

static const bool is_double = sizeof(nb_real) == sizeof(double);

double gc_tol_first(void) { return is_double ? 1e-6 : 2e-2; }
double gc_tol_second(void) { return is_double ? 1e-5 : 5e-2; }
static double step(void) { return is_double ? 1e-6 : 2e-3; }

static double dot(const nb_tensor *a, const nb_tensor *b) {
    double s = 0;
    for (int64_t i = 0; i < a->numel; i++) s += (double)a->data[i] * b->data[i];
    return s;
}

static void note(gc_result *r, double analytic, double numeric, const char *what, int i, int64_t k) {
    static char where[128];
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), is_double ? 1e-3 : 1.0);
    double err = fabs(analytic - numeric) / scale;
    if (isnan(err)) err = INFINITY;
    if (err > r->max_err || r->where == NULL) {
        r->max_err = err > r->max_err ? err : r->max_err;
        snprintf(where, sizeof where, "%s %d element %lld: analytic %.10g numeric %.10g", what, i,
                 (long long)k, analytic, numeric);
        r->where = where;
    }
}

/* L(x) = <v, f(x)> evaluated without the tape */
static double eval_L(gc_fn f, nb_tensor **x, void *ctx, nb_tensor *v) {
    bool prev = nb_set_grad_enabled(false);
    nb_tensor *y = f(x, ctx);
    nb_set_grad_enabled(prev);
    return y ? dot(v, y) : NAN;
}

gc_result gc_first_order(gc_fn f, int n, nb_tensor **x, void *ctx) {
    gc_result r = {0, NULL};
    for (int i = 0; i < n; i++) nb_requires_grad(x[i], true);
    nb_tensor *y = f(x, ctx);
    if (!y) return (gc_result){INFINITY, "forward failed"};
    nb_tensor *v = nb_normal(y->ndim, y->shape, 0, 1);
    nb_tensor *g[8];
    if (nb_grad(1, &y, &v, n, x, g, false)) return (gc_result){INFINITY, "grad failed"};
    double h = step();
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < x[i]->numel; k++) {
            nb_real keep = x[i]->data[k];
            x[i]->data[k] = keep + (nb_real)h;
            double lp = eval_L(f, x, ctx, v);
            x[i]->data[k] = keep - (nb_real)h;
            double lm = eval_L(f, x, ctx, v);
            x[i]->data[k] = keep;
            note(&r, g[i]->data[k], (lp - lm) / (2 * h), "input", i, k);
        }
    return r;
}

/* M(x, v) = sum_i <u_i, d<v, f(x)>/dx_i>, the value only */
static double eval_M(gc_fn f, int n, nb_tensor **x, void *ctx, nb_tensor *v, nb_tensor **u) {
    nb_tensor *y = f(x, ctx), *g[8];
    if (!y || nb_grad(1, &y, &v, n, x, g, false)) return NAN;
    double m = 0;
    for (int i = 0; i < n; i++) m += dot(u[i], g[i]);
    return m;
}

gc_result gc_second_order(gc_fn f, int n, nb_tensor **x, void *ctx) {
    gc_result r = {0, NULL};
    for (int i = 0; i < n; i++) nb_requires_grad(x[i], true);
    nb_tensor *y = f(x, ctx);
    if (!y) return (gc_result){INFINITY, "forward failed"};
    nb_tensor *v = nb_requires_grad(nb_normal(y->ndim, y->shape, 0, 1), true);
    nb_tensor *g[8], *u[8], *wrt[9], *gg[9];
    if (nb_grad(1, &y, &v, n, x, g, true)) return (gc_result){INFINITY, "grad failed"};
    nb_tensor *m = nb_scalar(0);
    for (int i = 0; i < n; i++) {
        u[i] = nb_normal(x[i]->ndim, x[i]->shape, 0, 1);
        m = nb_add(m, nb_sum(nb_mul(u[i], g[i])));
        wrt[i] = x[i];
    }
    wrt[n] = v;
    if (!m) return (gc_result){INFINITY, "building M failed"};
    if (!m->requires_grad) { /* f is affine in x and M does not depend on v: all zero */
        for (int i = 0; i <= n; i++) gg[i] = nb_zeros(wrt[i]->ndim, wrt[i]->shape);
    } else if (nb_grad(1, &m, NULL, n + 1, wrt, gg, false)) {
        return (gc_result){INFINITY, "second grad failed"};
    }
    double h = step();
    for (int i = 0; i <= n; i++)
        for (int64_t k = 0; k < wrt[i]->numel; k++) {
            nb_real keep = wrt[i]->data[k];
            wrt[i]->data[k] = keep + (nb_real)h;
            double mp = eval_M(f, n, x, ctx, v, u);
            wrt[i]->data[k] = keep - (nb_real)h;
            double mm = eval_M(f, n, x, ctx, v, u);
            wrt[i]->data[k] = keep;
            note(&r, gg[i]->data[k], (mp - mm) / (2 * h), i < n ? "d2/dx input" : "d2/dv", i, k);
        }
    return r;
}

static void report(const char *name, const char *order, gc_result r, double tol) {
    if (r.max_err <= tol) return;
    print_error("%s: %s gradient check failed: max error %.3g > %.3g at %s\n", name, order, r.max_err,
                tol, r.where ? r.where : "?");
    if (nb_error()) print_error("  pending error: %s\n", nb_error());
    fail();
}

void gc_check_first_only(const char *name, gc_fn f, int n, nb_tensor **x, void *ctx) {
    report(name, "first-order", gc_first_order(f, n, x, ctx), gc_tol_first());
}

void gc_check(const char *name, gc_fn f, int n, nb_tensor **x, void *ctx) {
    gc_check_first_only(name, f, n, x, ctx);
    report(name, "second-order", gc_second_order(f, n, x, ctx), gc_tol_second());
}

nb_tensor *gc_uniform(int ndim, const int64_t *shape, double lo, double hi) {
    return nb_uniform(ndim, shape, (nb_real)lo, (nb_real)hi);
}

nb_tensor *gc_away_from_zero(int ndim, const int64_t *shape, double lo, double hi) {
    nb_tensor *t = nb_uniform(ndim, shape, (nb_real)lo, (nb_real)hi);
    for (int64_t i = 0; t && i < t->numel; i++)
        if (nb_rand_u32() & 1) t->data[i] = -t->data[i];
    return t;
}
