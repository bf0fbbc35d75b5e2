/* rng.c — the seeded random number generator: PCG32 (XSH RR variant).
 *   state' = state * 6364136223846793005 + inc
 *   out    = rotr32(((state >> 18) ^ state) >> 27, state >> 59)
 * Uniform doubles take 53 bits from two draws; normals use Box–Muller and keep
 * the second value for the next call. Same seed, same sequence, on any machine. */
#include <math.h>
#include "nb_internal.h"

static uint64_t rng_state = 0x853c49e6748fea9bULL, rng_inc = 0xda3e39cb94b95bdbULL;
static bool have_spare;
static double spare;

uint32_t nb_rand_u32(void) {
    uint64_t old = rng_state;
    rng_state = old * 6364136223846793005ULL + rng_inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void nb_seed(uint64_t seed) {
    rng_state = 0;
    rng_inc = (seed << 1u) | 1u;
    nb_rand_u32();
    rng_state += seed;
    nb_rand_u32();
    have_spare = false;
}

double nb_rand_uniform(void) {
    uint64_t hi = nb_rand_u32() >> 5, lo = nb_rand_u32() >> 6; /* 27 + 26 bits */
    return (double)(hi * 67108864.0 + lo) / 9007199254740992.0;
}

double nb_rand_normal(void) {
    if (have_spare) {
        have_spare = false;
        return spare;
    }
    double u1 = 1.0 - nb_rand_uniform(); /* (0, 1]: log is finite */
    double u2 = nb_rand_uniform();
    double r = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    spare = r * sin(th);
    have_spare = true;
    return r * cos(th);
}
