/* fuzz_idx.c — libFuzzer target: any bytes as an IDX file. Inputs that start
 * like gzip go through a temporary file and gzread (the path real datasets
 * take); the rest through the in-memory parser. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "nb_io.h"

static char tmp_path[64];

static void remove_tmp(void) { unlink(tmp_path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nb_idx idx;
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        if (!tmp_path[0]) {
            snprintf(tmp_path, sizeof tmp_path, "/tmp/fuzz-idx-XXXXXX");
            int fd = mkstemp(tmp_path);
            if (fd < 0) abort();
            close(fd);
            atexit(remove_tmp);
        }
        FILE *f = fopen(tmp_path, "wb");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f)) abort();
        if (nb_idx_read(tmp_path, &idx) == 0) nb_idx_free(&idx);
    } else if (nb_idx_read_mem(data, size, "fuzz.idx", &idx) == 0) {
        nb_idx_free(&idx);
    }
    nb_error_clear();
    return 0;
}
