/*
 * Seeded PRNG streams (xoshiro256**, seeded through splitmix64). Every entity draws from its
 * own stream, derived from (run seed, entity kind, entity index), so adding a vehicle or
 * reordering events never shifts another entity's draws.
 */
#ifndef CORRIDOR_SIM_RNG_H
#define CORRIDOR_SIM_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} corridor_rng;

void corridor_rng_seed(corridor_rng *r, uint64_t seed, uint64_t kind, uint64_t index);
uint64_t corridor_rng_u64(corridor_rng *r);
double corridor_rng_unit(corridor_rng *r);                 /* [0, 1) with 53 bits */
double corridor_rng_uniform(corridor_rng *r, double lo, double hi);
double corridor_rng_exp(corridor_rng *r, double mean);
double corridor_rng_normal(corridor_rng *r, double mean, double sd);
uint32_t corridor_rng_below(corridor_rng *r, uint32_t n);  /* [0, n), unbiased */

/* Stream kinds (any distinct constants would do; fixed so runs stay comparable). */
enum {
    CORRIDOR_RNG_FLOW = 1,
    CORRIDOR_RNG_VEHICLE = 2,
    CORRIDOR_RNG_NODE = 3,
    CORRIDOR_RNG_GENERATE = 4,
    CORRIDOR_RNG_GROUP = 5,
};

#endif
