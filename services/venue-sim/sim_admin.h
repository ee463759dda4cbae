/* sim_admin.h - venue-sim's admin API under /admin/ (loopback clients only, JSON in and out): faults, WebSocket faults, counters, reset, market */
#ifndef SIM_ADMIN_H_INCLUDED
#define SIM_ADMIN_H_INCLUDED

#include <stdbool.h>

#include "cb_httpd.h"
#include "sim.h"

/* Answers a request whose path starts with /admin/ (see
 * services/venue-sim/README.md and the routes in sim_admin.c). Refuses
 * clients that are not on a loopback address with 403. Errors are
 * {"error":"why"} with 400 (bad input), 403, 404 (unknown path, venue or
 * account), 405 (wrong method), 501 (WebSocket fault without a hook) or
 * 503 (the part it needs is not running). sim is borrowed. */
void
sim_admin_handle(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* True when ip (text, as cb_httpd_req_peer writes it) is a loopback address:
 * 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
bool
sim_admin_is_loopback(const char *ip);

#endif
