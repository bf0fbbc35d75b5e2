/* model_checks.c — assertions shared by the tests of layers and optimizers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model_checks.h"
#include "test_util.h"

void tu_assert_names(const nb_named_tensors *l, int n, const char *const *want) {
    assert_non_null(l);
    for (int i = 0; i < n && i < l->n; i++)
        if (strcmp(l->names[i], want[i])) print_error("name %d: got '%s', want '%s'\n", i, l->names[i], want[i]);
    assert_int_equal(l->n, n);
    for (int i = 0; i < n; i++) assert_string_equal(l->names[i], want[i]);
}

void tu_mean_std(const nb_tensor *t, double *mean, double *std) {
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < t->numel; i++) {
        s += t->data[i];
        s2 += t->data[i] * t->data[i];
    }
    *mean = s / (double)t->numel;
    *std = sqrt(s2 / (double)t->numel - *mean * *mean);
}

void tu_assert_prints(const nb_module *m, const char *want) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    nb_module_print(m, f);
    fclose(f);
    assert_string_equal(text, want);
    free(text);
}
