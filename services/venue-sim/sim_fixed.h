/* sim_fixed.h - exact fixed-point amounts for the simulator: int64 in units of 1e-8 */
#ifndef SIM_FIXED_H_INCLUDED
#define SIM_FIXED_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every price, quantity and balance in venue-sim is an int64 count of 1e-8:
 * 1 BTC = 100000000, 50000.1 USD = 5000010000000. Exact, and wide enough for
 * 92 billion units of anything. Products (price x quantity) go through
 * __int128 and are rounded explicitly. */
#define SIM_SCALE 100000000LL
#define SIM_DECIMALS 8

typedef int64_t sim_fx_t;

/* Parses a plain decimal ("50000.1", "-0.5", ".5", "1."; no exponent, no
 * sign for unsigned use: callers check the sign). false when malformed, when
 * it has more than 8 decimals that are not zeros, or when it overflows. */
bool
sim_fx_parse(const char *s, size_t len, sim_fx_t *out);

/* Writes v with exactly decimals (0..8) digits after the point into buf
 * (size >= 32), truncating toward zero any digits beyond them; returns buf. */
char *
sim_fx_format(sim_fx_t v, int decimals, char *buf);

/* As sim_fx_format, returning the length written (without the NUL). */
size_t
sim_fx_format_len(sim_fx_t v, int decimals, char *buf);

/* v rounded to a multiple of step (> 0): mode -1 down (toward -inf), +1 up
 * (toward +inf), 0 to nearest (ties up). */
sim_fx_t
sim_fx_round_to(sim_fx_t v, sim_fx_t step, int mode);

/* price x qty in 1e-8 units, rounded half up (both >= 0). false on overflow. */
bool
sim_fx_mul(sim_fx_t price, sim_fx_t qty, sim_fx_t *out);

/* a / b in 1e-8 units, rounded half up (a >= 0, b > 0). */
sim_fx_t
sim_fx_div(sim_fx_t a, sim_fx_t b);

#endif
