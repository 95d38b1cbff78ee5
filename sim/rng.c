#include "rng.h"

#include <math.h>

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void corridor_rng_seed(corridor_rng *r, uint64_t seed, uint64_t kind, uint64_t index)
{
    uint64_t x = seed;
    uint64_t k = splitmix(&x) ^ (kind * 0xd1b54a32d192ed03ull);
    x = k;
    uint64_t i = splitmix(&x) ^ (index * 0x8cb92ba72f3d8dd7ull);
    x = i;
    for (int n = 0; n < 4; n++)
        r->s[n] = splitmix(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t corridor_rng_u64(corridor_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double corridor_rng_unit(corridor_rng *r)
{
    return (double)(corridor_rng_u64(r) >> 11) * 0x1.0p-53;
}

double corridor_rng_uniform(corridor_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * corridor_rng_unit(r);
}

double corridor_rng_exp(corridor_rng *r, double mean)
{
    return -mean * log1p(-corridor_rng_unit(r));
}

double corridor_rng_normal(corridor_rng *r, double mean, double sd)
{
    /* Box-Muller, one value per call: simpler state, same stream on every platform */
    double u1 = corridor_rng_unit(r), u2 = corridor_rng_unit(r);
    return mean + sd * sqrt(-2.0 * log1p(-u1)) * cos(2.0 * M_PI * u2);
}

uint32_t corridor_rng_below(corridor_rng *r, uint32_t n)
{
    if (n <= 1)
        return 0;
    /* Lemire's multiply-shift with rejection */
    uint64_t m = (uint64_t)(uint32_t)(corridor_rng_u64(r) >> 32) * n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (l < t) {
            m = (uint64_t)(uint32_t)(corridor_rng_u64(r) >> 32) * n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}
