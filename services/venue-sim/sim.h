/* sim.h - one venue-sim process's state, handed to every request handler (the parts own their memory) */
#ifndef SIM_H_INCLUDED
#define SIM_H_INCLUDED

#include <stdbool.h>

#include "sim_market.h"

struct sim_auth;
struct sim_exchange;
struct sim_limits;
struct sim_faults;
struct sim_ws;

/* Built by main.c (or a test) and destroyed in reverse order; handlers only
 * borrow it. A NULL part is a part that is not running: handlers that need
 * it answer as the venue would when that service is unavailable. */
typedef struct {
    sim_market_t *market;
    struct sim_exchange *exchange; /* accounts, user orders, trades */
    struct sim_auth *auth;         /* Kraken nonces and lockouts (required for Kraken private calls) */
    struct sim_limits *limits;     /* rate limits; NULL: not enforced */
    struct sim_faults *faults;     /* injected faults and counters */
    struct sim_ws *ws;             /* WebSocket streams */
} sim_t;

#endif
