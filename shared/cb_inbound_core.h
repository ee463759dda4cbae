/* cb_inbound_core.h - cb_inbound's decisions without a transport: leases, fallback, returns */
#ifndef CB_INBOUND_CORE_H_INCLUDED
#define CB_INBOUND_CORE_H_INCLUDED

/* The algorithm of cb_inbound.h, apart from how Redis is reached: the
 * synchronous cb_inbound and api-edge's asynchronous edge_limit both drive
 * it. A decision the client's current lease (or a refusal Redis gave) covers
 * is made here at once; otherwise the core names the script call that gets a
 * new lease, the transport runs it, and hands the reply back (or, when Redis
 * cannot answer, asks for the local fallback decision). The core keeps no
 * connection and never blocks. Clients are named by NUL-terminated strings,
 * truncated to CB_INBOUND_CLIENT_MAX bytes. */

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cb_inbound.h"
#include "cb_script.h"

#define CB_INBOUND_CLIENT_MAX 128

/* One run of shared/lua/inbound.lua: its two keys and its arguments ('lease'
 * takes 6, 'return' 7). A plain value: copy it freely. */
typedef struct {
    char key[2][CB_INBOUND_CLIENT_MAX + 48];
    char arg[7][48];
    int nargs; /* 0: no call */
} cb_inbound_call_t;

typedef struct cb_inbound_core cb_inbound_core_t;

/* NULL on a bad config or no memory. */
cb_inbound_core_t *
cb_inbound_core_new(cb_inbound_config_t config);

/* Frees every client's state (no Redis calls: return leases first with
 * cb_inbound_core_returns). NULL-safe; nulls *core_p. */
void
cb_inbound_core_destroy(cb_inbound_core_t **core_p);

/* The script (its SHA-1 and text) that the calls run. */
const cb_script_t *
cb_inbound_core_script(const cb_inbound_core_t *core);

/* The command vector of call (argv, lens: 12 entries; numkeys: 16 bytes),
 * as cb_script_argv: EVALSHA, or EVAL when eval. Returns argc. */
int
cb_inbound_call_argv(const cb_inbound_core_t *core, const cb_inbound_call_t *call, bool eval,
                     char *numkeys, const char **argv, size_t *lens);

/* Decides one call of client from local state. Returns 1 when decided (out
 * filled), or 0 when a lease is needed: the transport runs *lease and gives
 * its reply to cb_inbound_core_leased, or, when Redis cannot answer, decides
 * with cb_inbound_core_fallback. *ret (nargs > 0) is the return of the
 * client's spent lease, already forgotten here; run it before *lease, best
 * effort (a lost return only keeps slots counted a window longer). */
int
cb_inbound_core_check(cb_inbound_core_t *core, const char *client, cb_inbound_decision_t *out,
                      cb_inbound_call_t *ret, cb_inbound_call_t *lease);

/* Asks for client's next lease ahead of need, so that a busy client's calls
 * never wait for Redis: returns 1 with *lease to run (its reply goes to
 * cb_inbound_core_leased with out NULL) when the current lease is at least
 * half spent before its end, no next lease is held and no prefetch is in
 * flight (one unanswered for a second is given up); else 0. The next lease
 * is used when the current one is spent, if it has not ended by then; one
 * that ended unused goes back with cb_inbound_core_returns. A client thus
 * holds at most two leases at once, sized so that their unused slots stay
 * within one largest lease (cb_inbound.h's bound). Only an asynchronous
 * transport calls it. */
int
cb_inbound_core_prefetch(cb_inbound_core_t *core, const char *client, cb_inbound_call_t *lease);

/* Applies the reply to client's lease call (as cb_inbound_core_check gave
 * it; the client may have been forgotten meanwhile) and, when out is not
 * NULL, decides the call that asked for it. Returns 0, or
 * CB_E_INTERNAL when reply is not the script's answer (an error reply, such
 * as NOTAUTH or a script error; logged once per outage): decide with the
 * fallback then. */
int
cb_inbound_core_leased(cb_inbound_core_t *core, const char *client, const cb_inbound_call_t *lease,
                       const redisReply *reply, cb_inbound_decision_t *out);

/* The local fallback decision (a sliding window of limit / expected_replicas
 * in this process) because of reason (a CB_E_* code, for the log line that
 * starts an outage; cb_inbound_core_leased logs the recovery). */
void
cb_inbound_core_fallback(cb_inbound_core_t *core, const char *client, int reason,
                         cb_inbound_decision_t *out);

/* Fills up to max calls that return the unused slots of leases that have
 * ended (every lease when all is true), prefetched ones included, and
 * forgets those leases here.
 * Returns how many; call again while it returns max. */
size_t
cb_inbound_core_returns(cb_inbound_core_t *core, bool all, cb_inbound_call_t *calls, size_t max);

/* Forgets up to max clients with nothing left to remember: no lease, no
 * refusal still running, no fallback call in the window. Their next call
 * starts as a new client's, which loses nothing (Redis keeps their window).
 * Bounds the memory of a limiter facing many one-off clients. Returns how
 * many were forgotten. */
size_t
cb_inbound_core_forget_idle(cb_inbound_core_t *core, size_t max);

#endif
