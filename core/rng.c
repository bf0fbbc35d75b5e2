/* rng.c — the seeded random number generator: PCG32 (XSH RR variant).
 *   state' = state * 6364136223846793005 + inc
 *   out    = rotr32(((state >> 18) ^ state) >> 27, state >> 59)
 * Uniform doubles take 53 bits from two draws; normals use Box–Muller and keep
 * the second value for the next call. Same seed, same sequence, on any machine. */
#include <math.h>
#include "nb_internal.h"

static nb_rng global = {0x853c49e6748fea9bULL, 0xda3e39cb94b95bdbULL};
static bool have_spare;
static double spare;

uint32_t nb_rng_u32(nb_rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void nb_rng_seed(nb_rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    nb_rng_u32(r);
    r->state += seed;
    nb_rng_u32(r);
}

double nb_rng_uniform(nb_rng *r) {
    uint64_t hi = nb_rng_u32(r) >> 5, lo = nb_rng_u32(r) >> 6; /* 27 + 26 bits */
    return (double)(hi * 67108864.0 + lo) / 9007199254740992.0;
}

uint32_t nb_rand_u32(void) { return nb_rng_u32(&global); }

void nb_seed(uint64_t seed) {
    nb_rng_seed(&global, seed, seed);
    have_spare = false;
}

double nb_rand_uniform(void) { return nb_rng_uniform(&global); }

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
