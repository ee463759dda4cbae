/* sim_kraken_params.h - a Kraken private call's parameters, from a form body or a JSON body alike */
#ifndef SIM_KRAKEN_PARAMS_H_INCLUDED
#define SIM_KRAKEN_PARAMS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "cb_httpd.h"

/* A form body, or a JSON object body packed into mp, with the query string
 * as a fallback for form calls. Filled by sim_kraken_params_open. */
typedef struct {
    const cb_httpd_req_t *req;
    bool json;
    msgpack_sbuffer mp;
} sim_kraken_params_t;

/* Reads req's parameters into p: a JSON object body when the content type
 * is application/json, else a form body with the query as fallback. false
 * for a JSON body that is not an object (nothing to close then). */
bool
sim_kraken_params_open(sim_kraken_params_t *p, const cb_httpd_req_t *req);

/* Frees what sim_kraken_params_open kept. */
void
sim_kraken_params_close(sim_kraken_params_t *p);

/* Writes the text of parameter key into out (size bytes); false when absent
 * or malformed, *present telling which. JSON strings, integers, booleans
 * and decimals are accepted; an array of them is joined with commas. */
bool
sim_kraken_param(sim_kraken_params_t *p, const char *key, char *out, size_t size, bool *present);

/* True when key is "true" or "1" (JSON true too). */
bool
sim_kraken_param_bool(sim_kraken_params_t *p, const char *key);

#endif
