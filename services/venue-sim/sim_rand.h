/* sim_rand.h - the simulator's seeded random numbers: splitmix64, the same sequence for the same seed */
#ifndef SIM_RAND_H_INCLUDED
#define SIM_RAND_H_INCLUDED

#include <stdint.h>

/* The next number of the sequence *state (any value) seeds; advances it. */
uint64_t
sim_rand_next(uint64_t *state);

/* The next number reduced to [0, n) (n > 0); advances *state once. */
uint64_t
sim_rand_below(uint64_t *state, uint64_t n);

#endif
