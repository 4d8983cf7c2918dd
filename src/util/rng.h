/* rng.h — the one seeded random generator (xoshiro256**, seeded by splitmix64).
 *
 * All randomness in textclf (initialisation, shuffling, dropout, splits) comes
 * from a tc_rng passed down explicitly; nothing calls rand().  The state is four
 * 64-bit words, so it can be saved in a checkpoint and restored exactly. */
#ifndef TC_RNG_H
#define TC_RNG_H

#include <stdint.h>

typedef struct tc_rng {
    uint64_t s[4];
} tc_rng;

void tc_rng_seed(tc_rng *r, uint64_t seed);
uint64_t tc_rng_next(tc_rng *r);
/* Uniform in [0, 1) with 24 random bits. */
float tc_rng_uniform(tc_rng *r);
/* Uniform in [lo, hi). */
float tc_rng_range(tc_rng *r, float lo, float hi);
/* Unbiased integer in [0, n); n > 0. */
uint64_t tc_rng_below(tc_rng *r, uint64_t n);
/* Standard normal (Box–Muller; one value per call). */
float tc_rng_normal(tc_rng *r);
/* Fisher–Yates shuffle of n uint32 values. */
void tc_rng_shuffle_u32(tc_rng *r, uint32_t *a, uint64_t n);

#endif
