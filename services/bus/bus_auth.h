/* bus_auth.h - the bus's CURVE allow-list: czmq's zauth over <COINBUS_CURVE_DIR>/clients */
#ifndef BUS_AUTH_H_INCLUDED
#define BUS_AUTH_H_INCLUDED

typedef struct bus_auth bus_auth_t;

/* Starts zauth (the ZAP handler of every socket in the process) allowing only
 * the public certs in <dir>/clients. Call before binding the CURVE sockets.
 * NULL when the directory cannot be read or zauth does not start (logged
 * once with the path). zauth itself re-reads the directory when it changes. */
bus_auth_t *
bus_auth_start(const char *dir);

/* Re-reads the allow-list at once (SIGHUP) and logs how many keys it holds.
 * 0, or CB_E_CONFIG when the directory became unreadable (the previous list
 * then stays in force). */
int
bus_auth_reload(bus_auth_t *auth);

/* Stops zauth and frees. NULL-safe; nulls *auth_p. */
void
bus_auth_stop(bus_auth_t **auth_p);

#endif
