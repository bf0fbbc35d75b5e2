/* fuzz_npz.c — libFuzzer target: any bytes as an .npz archive (zip directory,
 * deflate, .npy headers). Must never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include "nb_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static nb_arena *arena;
    if (!arena) arena = nb_arena_new();
    nb_arena_use(arena);
    nb_npz z;
    if (nb_npz_load_mem(data, size, "fuzz.npz", &z) == 0)
        for (int i = 0; i < z.n; i++) (void)nb_npz_find(&z, z.arrays[i].name);
    nb_error_clear();
    nb_arena_reset(arena);
    return 0;
}
