/* npz.c — checkpoints as NumPy .npz archives: one "<name>.npy" member per
 * tensor, in a zip archive (zip.c) written atomically, so np.load reads them and
 * a crash mid-save leaves the previous checkpoint intact. Tensors are stored as
 * nb_real ('<f4', or '<f8' in the double build); integer arrays ('<i8') carry
 * exact values such as step counters. Loading converts any supported dtype to
 * nb_real, so a float32 checkpoint loads into the double build and back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io_internal.h"
#include "nb_internal.h"

#ifdef NB_DOUBLE
#define REAL_DESCR "<f8"
#else
#define REAL_DESCR "<f4"
#endif
#define MAX_FILE ((size_t)1 << 32) /* no zip64: a larger file cannot be valid */

static int check_entries(const char *path, int n, const nb_npz_entry *e) {
    if (n < 0) return nb_io_fail("npz: %s: %d arrays", path, n);
    for (int i = 0; i < n; i++) {
        if (!e[i].name || !e[i].name[0]) return nb_io_fail("npz: %s: array %d has no name", path, i);
        if (!e[i].tensor && (!e[i].ints || e[i].ndim < 0 || e[i].ndim > NB_MAX_DIMS))
            return nb_io_fail("npz: %s: '%s' has neither a tensor nor valid integer data", path, e[i].name);
        for (int j = 0; j < i; j++)
            if (!strcmp(e[i].name, e[j].name)) return nb_io_fail("npz: %s: name '%s' given twice", path, e[i].name);
    }
    return 0;
}

static int add_entry(nb_zip_writer *z, const nb_npz_entry *e) {
    char header[256];
    int64_t numel = 1;
    int ndim = e->tensor ? e->tensor->ndim : e->ndim;
    const int64_t *shape = e->tensor ? e->tensor->shape : e->shape;
    for (int d = 0; d < ndim; d++) numel *= shape[d];
    size_t hlen = nb_npy_header(header, e->tensor ? REAL_DESCR : "<i8", ndim, shape);
    const void *parts[2] = {header, e->tensor ? (const void *)e->tensor->data : (const void *)e->ints};
    size_t sizes[2] = {hlen, (size_t)numel * (e->tensor ? sizeof(nb_real) : sizeof(int64_t))};
    size_t nl = strlen(e->name);
    char *member = malloc(nl + 5);
    if (!member) return nb_io_fail("npz: %s: out of memory", z->af.path);
    memcpy(member, e->name, nl);
    memcpy(member + nl, ".npy", 5);
    int rc = nb_zip_add(z, member, 2, parts, sizes);
    free(member);
    return rc;
}

int nb_npz_write(const char *path, int n, const nb_npz_entry *entries) {
    if (check_entries(path, n, entries)) return -1;
    nb_zip_writer z;
    if (nb_zip_begin(&z, "npz", path)) return -1;
    for (int i = 0; i < n; i++)
        if (add_entry(&z, &entries[i])) {
            nb_zip_abort(&z);
            return -1;
        }
    return nb_zip_finish(&z);
}

int nb_npz_save(const char *path, int n, const char *const *names, nb_tensor *const *tensors) {
    if (n < 0 || (n > 0 && (!names || !tensors))) return nb_io_fail("npz: %s: bad array list", path);
    nb_npz_entry *e = calloc(n ? (size_t)n : 1, sizeof *e);
    if (!e) return nb_io_fail("npz: %s: out of memory", path);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        e[i].name = names[i];
        e[i].tensor = tensors[i];
        if (!tensors[i]) rc = nb_io_fail("npz: %s: tensor '%s' is NULL", path, names[i] ? names[i] : "?");
    }
    if (!rc) rc = nb_npz_write(path, n, e);
    free(e);
    return rc;
}

/* ---- loading ------------------------------------------------------------------- */

/* One element at p (possibly unaligned, hence memcpy) as a double, and as an
 * exact integer for integer dtypes. */
static double element(const nb_npy *a, const uint8_t *p, int64_t *as_int) {
    float f4;
    double f8;
    int32_t i4;
    switch (a->descr[1] == 'f' ? a->itemsize : -a->itemsize) {
    case 4: memcpy(&f4, p, 4); return f4;
    case 8: memcpy(&f8, p, 8); return f8;
    case -8: memcpy(as_int, p, 8); break;
    case -4: memcpy(&i4, p, 4); *as_int = i4; break;
    default: *as_int = *p;
    }
    return (double)*as_int;
}

/* The array's values as a tensor (and exact integers) in the current arena. */
static int to_array(const nb_npy *a, const char *name, nb_npz_array *out) {
    out->tensor = nb_tensor_new(a->ndim, a->shape);
    int64_t *ints = a->is_int ? nb_arena_alloc(NULL, (size_t)(a->numel ? a->numel : 1) * sizeof *ints) : NULL;
    char *nm = nb_arena_alloc(NULL, strlen(name) + 1);
    if (!out->tensor || (a->is_int && !ints) || !nm) return -1;
    memcpy(out->dtype, a->descr, 4);
    out->name = strcpy(nm, name);
    out->ints = ints;
    int64_t scratch;
    for (int64_t i = 0; i < a->numel; i++)
        out->tensor->data[i] = (nb_real)element(a, a->data + i * a->itemsize, ints ? &ints[i] : &scratch);
    return 0;
}

/* Member name without ".npy" into a malloc'ed string; NULL when it lacks it. */
static char *array_name(const nb_zip_entry *e) {
    if (e->name_len < 5 || memcmp(e->name + e->name_len - 4, ".npy", 4) != 0) return NULL;
    char *s = malloc(e->name_len - 3);
    if (!s) return NULL;
    memcpy(s, e->name, e->name_len - 4);
    s[e->name_len - 4] = 0;
    if (memchr(s, 0, e->name_len - 4)) { /* an embedded NUL would hide part of the name */
        free(s);
        return NULL;
    }
    return s;
}

static int load_member(const nb_zip_entry *e, const char *path, nb_npz *out, int i) {
    char *name = array_name(e);
    if (!name)
        return nb_io_fail("npz: %s: member %d ('%.*s') is not a .npy array", path, i, (int)e->name_len, e->name);
    int rc = 0;
    for (int j = 0; j < i && !rc; j++)
        if (!strcmp(out->arrays[j].name, name)) rc = nb_io_fail("npz: %s: array '%s' appears twice", path, name);
    uint8_t *raw = NULL;
    nb_npy a;
    if (!rc) rc = nb_zip_extract(e, "npz", path, &raw);
    if (!rc) rc = nb_npy_parse(raw, e->usize, "npz", path, name, &a);
    if (!rc) rc = to_array(&a, name, &out->arrays[i]);
    free(raw);
    free(name);
    return rc;
}

int nb_npz_load_mem(const void *data, size_t size, const char *path, nb_npz *out) {
    out->n = 0;
    out->arrays = NULL;
    nb_zip_entry *es;
    int n;
    if (nb_zip_list(data, size, "npz", path, &es, &n)) return -1;
    nb_npz_array *arrays = nb_arena_alloc(NULL, (size_t)(n ? n : 1) * sizeof *arrays);
    int rc = arrays ? 0 : -1;
    nb_npz z = {0, arrays};
    for (int i = 0; i < n && !rc; i++, z.n++) rc = load_member(&es[i], path, &z, i);
    free(es);
    if (!rc) *out = z;
    return rc;
}

int nb_npz_load(const char *path, nb_npz *out) {
    uint8_t *buf;
    size_t size;
    out->n = 0;
    out->arrays = NULL;
    if (nb_read_file("npz", path, MAX_FILE, &buf, &size)) return -1;
    int rc = nb_npz_load_mem(buf, size, path, out);
    free(buf);
    return rc;
}

const nb_npz_array *nb_npz_find(const nb_npz *z, const char *name) {
    for (int i = 0; z && name && i < z->n; i++)
        if (!strcmp(z->arrays[i].name, name)) return &z->arrays[i];
    return NULL;
}

/* ---- loading into existing tensors ------------------------------------------------ */

typedef struct {
    char text[480];
    size_t len;
    int count;
} report;

/* Appends "; <formatted>" to the report, truncating when it is full. */
static void note(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(report *r, const char *fmt, ...) {
    char item[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(item, sizeof item, fmt, ap);
    va_end(ap);
    size_t left = sizeof r->text - r->len;
    int k = snprintf(r->text + r->len, left, "%s%s", r->count++ ? "; " : "", item);
    r->len += (size_t)k < left ? (size_t)k : left - 1;
}

/* Compares the archive with the wanted tensors; every mismatch goes to r. */
static void compare(const nb_npz *z, int n, const char *const *names, nb_tensor *const *ts, report *r) {
    char sa[96], sb[96];
    for (int i = 0; i < n; i++) {
        const nb_npz_array *a = nb_npz_find(z, names[i]);
        if (!a) {
            note(r, "'%s' missing", names[i]);
        } else if (a->ints) {
            note(r, "'%s' dtype %s vs " NB_REAL_NAME, names[i], a->dtype);
        } else if (!nb_same_shape(a->tensor, ts[i])) {
            note(r, "'%s' shape %s vs %s", names[i], nb_shape_str(a->tensor, sa), nb_shape_str(ts[i], sb));
        }
    }
    for (int j = 0; j < z->n; j++) {
        bool wanted = false;
        for (int i = 0; i < n && !wanted; i++) wanted = !strcmp(z->arrays[j].name, names[i]);
        if (!wanted) note(r, "'%s' unexpected", z->arrays[j].name);
    }
}

static int check_wanted(const char *path, int n, const char *const *names, nb_tensor *const *ts) {
    if (n < 0 || (n && (!names || !ts))) return nb_io_fail("npz: %s: bad tensor list", path);
    for (int i = 0; i < n; i++) {
        if (!names[i] || !ts[i]) return nb_io_fail("npz: %s: entry %d has a NULL name or tensor", path, i);
        for (int j = 0; j < i; j++)
            if (!strcmp(names[i], names[j])) return nb_io_fail("npz: %s: name '%s' given twice", path, names[i]);
    }
    return 0;
}

int nb_npz_load_into(const char *path, int n, const char *const *names, nb_tensor *const *tensors) {
    if (check_wanted(path, n, names, tensors)) return -1;
    nb_arena *scratch = nb_arena_new();
    if (!scratch) return -1;
    nb_arena *prev = nb_arena_use(scratch);
    nb_npz z;
    int rc = nb_npz_load(path, &z);
    nb_arena_use(prev);
    if (!rc) {
        report r = {.len = 0};
        compare(&z, n, names, tensors, &r);
        if (r.count)
            rc = nb_io_fail("npz: %s: %d mismatch%s (file vs tensor): %s", path, r.count,
                            r.count > 1 ? "es" : "", r.text);
    }
    for (int i = 0; i < n && !rc; i++)
        memcpy(tensors[i]->data, nb_npz_find(&z, names[i])->tensor->data,
               (size_t)tensors[i]->numel * sizeof(nb_real));
    nb_arena_free(scratch);
    return rc;
}
