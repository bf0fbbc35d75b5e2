/* fuzz_png.c — libFuzzer target: any bytes through the PNG decoder, as
 * native channels and as gray, then into a tensor and back. Must never crash,
 * leak or read out of bounds; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include "nb_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static nb_arena *arena;
    if (!arena) arena = nb_arena_new();
    nb_arena_use(arena);
    for (int channels = 0; channels <= 1; channels++) {
        nb_image img;
        if (nb_png_read_mem(data, size, "fuzz.png", &img, channels) == 0) {
            nb_tensor *t = nb_image_to_tensor(&img);
            nb_image back;
            if (t && nb_tensor_to_image(t, 0, 0, 1, &back) == 0) nb_image_free(&back);
            nb_image_free(&img);
        }
        nb_error_clear();
        nb_arena_reset(arena);
    }
    return 0;
}
