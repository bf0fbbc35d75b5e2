/* io_util.h — file fixtures for the io tests: a temporary directory per test,
 * writing and reading whole files, and removing a tree. */
#ifndef IO_UTIL_H
#define IO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Makes a fresh directory under $TMPDIR (or /tmp); returns a static-lifetime
 * copy of its path that iu_cleanup removes. */
const char *iu_tmpdir(void);
void iu_cleanup(void);              /* removes every directory iu_tmpdir made */
void iu_rmtree(const char *path);
/* "dir/name" in a buffer that stays valid until iu_cleanup. */
const char *iu_path(const char *dir, const char *name);
void iu_write(const char *path, const void *data, size_t n); /* fails the test on error */
uint8_t *iu_read(const char *path, size_t *n);               /* malloc'ed, fails on error */
void iu_mkdirs(const char *path);                            /* mkdir -p */
int iu_count_files(const char *dir);                         /* entries other than . and .. */

/* tu_teardown, then iu_cleanup: IO_TEST(f) runs f with a fresh arena and
 * removes its temporary directories afterwards. */
int iu_teardown(void **state);
#define IO_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, iu_teardown)

#endif
