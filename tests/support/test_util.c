/* test_util.c — the per-test arena and common assertions. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "test_util.h"

int tu_setup(void **state) {
    nb_arena *a = nb_arena_new();
    nb_arena_use(a);
    nb_seed(1234);
    nb_error_clear();
    nb_set_grad_enabled(true);
    *state = a;
    return 0;
}

int tu_teardown(void **state) {
    nb_arena_use(NULL);
    nb_arena_free(*state);
    nb_error_clear();
    return 0;
}

void tu_expect_error(const char *needle) {
    const char *e = nb_error();
    if (!e || !strstr(e, needle)) print_error("expected an error containing '%s', got '%s'\n", needle, e ? e : "(none)");
    assert_non_null(e);
    assert_non_null(strstr(e, needle));
    nb_error_clear();
}

void tu_assert_close(const nb_real *a, const double *b, int64_t n, double tol) {
    for (int64_t i = 0; i < n; i++)
        if (!(fabs((double)a[i] - b[i]) <= tol)) {
            print_error("element %lld: got %.9g, want %.9g (tol %g)\n", (long long)i, (double)a[i], b[i], tol);
            fail();
        }
}
