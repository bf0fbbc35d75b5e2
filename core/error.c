/* error.c — the pending-error slot. The first failure of a chain of calls is
 * the one worth reporting, so a pending message is never overwritten; later
 * ops see their NULL inputs and return NULL quietly. One slot per thread. */
#include <stdarg.h>
#include <stdio.h>
#include "nb_internal.h"

static _Thread_local char err_msg[512];
static _Thread_local bool err_set;

const char *nb_error(void) { return err_set ? err_msg : NULL; }

void nb_error_clear(void) { err_set = false; }

void *nb_error_set(const char *fmt, ...) {
    if (err_set) return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_set = true;
    return NULL;
}

char *nb_shape_str(const nb_tensor *t, char *buf) {
    int k = 0;
    buf[k++] = '[';
    for (int d = 0; t && d < t->ndim; d++)
        k += snprintf(buf + k, 96 - (size_t)k, d ? ",%lld" : "%lld", (long long)t->shape[d]);
    snprintf(buf + k, 96 - (size_t)k, "]");
    return buf;
}

bool nb_any_null(int n, nb_tensor *const *t) {
    for (int i = 0; i < n; i++)
        if (!t[i]) {
            if (!err_set) nb_error_set("NULL tensor passed to an op");
            return true;
        }
    return false;
}
