/* test_util.h — what every test file includes: cmocka, nabla, the gradient
 * checks, and a per-test arena that setup/teardown create and free. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "gradcheck.h"
#include "nb_core.h"
#include "nb_ops.h"

/* Every test runs in a fresh arena with the RNG seeded and no pending error. */
int tu_setup(void **state);
int tu_teardown(void **state);
#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)

/* asserts that no error is pending, printing it if one is */
#define TU_NO_ERROR() \
    do { \
        if (nb_error()) print_error("unexpected error: %s\n", nb_error()); \
        assert_null(nb_error()); \
    } while (0)

/* asserts an error is pending whose message contains `needle`, and clears it */
void tu_expect_error(const char *needle);

/* |a - b| <= tol elementwise over n values */
void tu_assert_close(const nb_real *a, const double *b, int64_t n, double tol);

#endif
