/* file.c — whole-file reads and atomic file replacement. A checkpoint or image
 * is written to a temporary file in the target's directory (so rename stays on
 * one file system and is atomic), fsynced, then renamed over the target and the
 * directory fsynced: after a crash the target is either the old or the new file,
 * never a half-written one. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "io_internal.h"

int nb_io_fail(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nb_error_set("%s", msg);
    return -1;
}

char *nb_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) return nb_error_set("out of memory copying a string of %zu bytes", n);
    return memcpy(d, s, n);
}

char *nb_path_join(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p) return nb_error_set("out of memory joining paths");
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

int nb_read_file(const char *who, const char *path, size_t max_bytes, uint8_t **data, size_t *size) {
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        nb_error_set("%s: %s: cannot open: %s", who, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        nb_error_set("%s: %s: not a regular file", who, path);
        fclose(f);
        return -1;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        nb_error_set("%s: %s: file of %lld bytes is larger than the %zu supported", who, path,
                     (long long)st.st_size, max_bytes);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        nb_error_set("%s: %s: out of memory for %zu bytes", who, path, n);
        fclose(f);
        return -1;
    }
    size_t got = fread(buf, 1, n, f);
    int err = ferror(f);
    fclose(f);
    if (got != n || err) {
        nb_error_set("%s: %s: read error after %zu of %zu bytes", who, path, got, n);
        free(buf);
        return -1;
    }
    *data = buf;
    *size = n;
    return 0;
}

int nb_atomic_open(nb_atomic_file *af, const char *who, const char *path) {
    af->f = NULL;
    af->path = path;
    af->who = who;
    size_t n = strlen(path);
    af->tmp = malloc(n + 12);
    if (!af->tmp) {
        nb_error_set("%s: %s: out of memory", who, path);
        return -1;
    }
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(af->tmp);
    if (fd < 0 || !(af->f = fdopen(fd, "wb"))) {
        nb_error_set("%s: %s: cannot create a temporary file: %s", who, path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(af->tmp);
        }
        free(af->tmp);
        af->tmp = NULL;
        return -1;
    }
    /* mkstemp makes 0600; give the file the usual umask-based mode */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return 0;
}

void nb_atomic_abort(nb_atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp) {
        unlink(af->tmp);
        free(af->tmp);
    }
    af->f = NULL;
    af->tmp = NULL;
}

/* fsync of the directory makes the rename itself durable. */
static void sync_dir(const char *path) {
    char *copy = nb_strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int nb_atomic_commit(nb_atomic_file *af) {
    const char *what = NULL;
    if (fflush(af->f) != 0 || ferror(af->f))
        what = "write failed";
    else if (fsync(fileno(af->f)) != 0)
        what = "fsync failed";
    int err = errno;
    if (fclose(af->f) != 0 && !what) {
        what = "close failed";
        err = errno;
    }
    af->f = NULL;
    if (!what && rename(af->tmp, af->path) != 0) {
        what = "rename failed";
        err = errno;
    }
    if (what) {
        nb_error_set("%s: %s: %s: %s", af->who, af->path, what, strerror(err));
        nb_atomic_abort(af);
        return -1;
    }
    free(af->tmp);
    af->tmp = NULL;
    sync_dir(af->path);
    return 0;
}
