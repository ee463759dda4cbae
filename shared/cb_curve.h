/* cb_curve.h - CurveZMQ on the bus: certificates from COINBUS_CURVE_DIR on every bus socket */
#ifndef CB_CURVE_H_INCLUDED
#define CB_CURVE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_config.h"

/* Rows for a cb_config_var_t table (part of CB_BUS_CONFIG_VARS). */
#define CB_CURVE_CONFIG_VARS                                                    \
    {"COINBUS_CURVE", CB_CFG_ENUM, "off", 0, 0, "on|off",                       \
     "CurveZMQ on every bus connection (certs from COINBUS_CURVE_DIR)"},        \
    {"COINBUS_CURVE_DIR", CB_CFG_STR, "/etc/coinbus/curve", 0, 0, NULL,         \
     "directory made by `coinbus certs init`: bus.key, <name>.key_secret, clients/"}, \
    {"COINBUS_CURVE_CERT", CB_CFG_STR, NULL, 0, 0, NULL,                        \
     "this process's own secret cert (default <COINBUS_CURVE_DIR>/<name>.key_secret)"},

/* The public certificates the bus allows live in <dir>/CB_CURVE_CLIENTS_DIR. */
#define CB_CURVE_CLIENTS_DIR "clients"
/* A Z85 key: 40 characters for 32 bytes. */
#define CB_CURVE_KEY_TEXT_LEN 40

/* Reads COINBUS_CURVE, COINBUS_CURVE_DIR and COINBUS_CURVE_CERT from the table.
 * When on, loads the bus's public key from <dir>/bus.key and this process's
 * keypair from COINBUS_CURVE_CERT or <dir>/<name>.key_secret (name: the
 * process, "bus" for the bus itself); from then on cb_curve_client and
 * cb_curve_server make sockets CURVE. Off: nothing is read and both do
 * nothing. Call at start, before any bus socket exists. Returns 0 or
 * CB_E_CONFIG, logged once with the path and what was expected (never a key). */
int
cb_curve_load(const cb_config_var_t *vars, size_t count, const char *name);

/* True after a cb_curve_load that found COINBUS_CURVE=on. */
bool
cb_curve_on(void);

/* The certificate directory (COINBUS_CURVE_DIR) of the last load; "" when off. */
const char *
cb_curve_dir(void);

/* Makes a raw libzmq socket a CURVE client of the bus (its own keypair, the
 * bus's public key) when CURVE is on; nothing otherwise. Before connect. */
void
cb_curve_client(void *zmq_socket);

/* Makes a raw libzmq socket a CURVE server with the loaded keypair and the
 * ZAP domain "coinbus" (clients are then checked by the ZAP handler, zauth)
 * when CURVE is on; nothing otherwise. Before bind. */
void
cb_curve_server(void *zmq_socket);

/* Wipes the loaded keys and turns CURVE off. Idempotent. */
void
cb_curve_unload(void);

#endif
