/* sim_rand.c - the simulator's seeded random numbers: splitmix64, the same sequence for the same seed */
#include "sim_rand.h"

/* splitmix64: small, fast, and the same sequence for the same seed. */
uint64_t
sim_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t
sim_rand_below(uint64_t *state, uint64_t n)
{
    return sim_rand_next(state) % n;
}
