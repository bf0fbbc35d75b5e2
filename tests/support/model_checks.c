/* model_checks.c — assertions and small models shared by the tests of layers,
 * optimizers and models. */
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

void tu_assert_same_tensors(const nb_named_tensors *a, const nb_named_tensors *b) {
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_int_equal(a->tensors[i]->numel, b->tensors[i]->numel);
        assert_memory_equal(a->tensors[i]->data, b->tensors[i]->data, (size_t)a->tensors[i]->numel * sizeof(nb_real));
    }
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

nb_fanogan_config tu_fanogan_config(nb_fanogan_arch arch, int size, int channels, int latent) {
    nb_fanogan_config c = nb_fanogan_config_defaults(arch);
    c.image_size = size;
    c.channels = channels;
    c.latent_dim = latent;
    c.dim = 2; /* only the resnet reads it */
    return c;
}

nb_fanogan *tu_fanogan_tiny(nb_fanogan_arch arch, int size, int channels, int latent) {
    nb_fanogan_config c = tu_fanogan_config(arch, size, channels, latent);
    nb_fanogan *m = nb_fanogan_new(&c);
    assert_non_null(m);
    return m;
}
