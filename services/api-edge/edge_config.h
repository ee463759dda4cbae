/* edge_config.h - api-edge's environment variables: the table (defaults, ranges, --help) and its loading into edge_app_config_t */
#ifndef EDGE_CONFIG_H_INCLUDED
#define EDGE_CONFIG_H_INCLUDED

#include <stddef.h>

#include "cb_bus.h"
#include "cb_config.h"
#include "edge_app.h"

/* Every variable api-edge reads, the shared ones included. */
extern const cb_config_var_t edge_config_vars[];
extern const size_t edge_config_nvars;

/* Loads and checks every variable into out; the bus endpoints into bus
 * (out points into it and into the environment: keep both alive). 0 or
 * CB_E_CONFIG (logged, naming the variable). */
int
edge_config_load(edge_app_config_t *out, cb_bus_config_t *bus);

#endif
