/* io_util.c — temporary directories and whole-file helpers for the io tests. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "io_util.h"
#include "test_util.h"

#define MAX_DIRS 64
#define MAX_STRS 4096
static char *dirs[MAX_DIRS];
static int n_dirs;
static char *strs[MAX_STRS];
static int n_strs;

static const char *keep(char *s) {
    assert_true(n_strs < MAX_STRS);
    strs[n_strs++] = s;
    return s;
}

const char *iu_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/nabla-io-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    assert_true(n_dirs < MAX_DIRS);
    dirs[n_dirs] = strdup(tmpl);
    return dirs[n_dirs++];
}

static int remove_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

void iu_rmtree(const char *path) { nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

void iu_cleanup(void) {
    for (int i = 0; i < n_dirs; i++) {
        iu_rmtree(dirs[i]);
        free(dirs[i]);
    }
    n_dirs = 0;
    for (int i = 0; i < n_strs; i++) free(strs[i]);
    n_strs = 0;
}

const char *iu_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return keep(p);
}

void iu_write(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

uint8_t *iu_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

void iu_mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0777);
            *p = '/';
        }
    mkdir(buf, 0777);
}

int iu_count_files(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

int iu_teardown(void **state) {
    iu_cleanup();
    return tu_teardown(state);
}
