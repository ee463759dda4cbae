/* bus_auth.c - the bus's CURVE allow-list: czmq's zauth over <COINBUS_CURVE_DIR>/clients */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bus_auth.h"
#include "cb_curve.h"
#include "cb_error.h"
#include "cb_log.h"

struct bus_auth {
    char clients[1100];
    zactor_t *actor;
};

/* Counts the *.key files in dir: 0 or -errno. */
static int
s_count(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -errno;
    }
    *count = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".key") == 0) {
            (*count)++;
        }
    }
    closedir(d);
    return 0;
}

/* Points zauth at the directory (it builds a fresh store) and logs the count. */
static int
s_load(bus_auth_t *auth, const char *event)
{
    int count = 0;
    int rc = s_count(auth->clients, &count);
    if (rc != 0) {
        cb_log_error("curve_clients_unreadable",
                     "path=%s expected=\"a directory of client public "
                     "certs (coinbus certs init/add)\" error=\"%s\"",
                     auth->clients, cb_strerror(rc));
        return CB_E_CONFIG;
    }
    if (zstr_sendx(auth->actor, "CURVE", auth->clients, NULL) != 0 ||
        zsock_wait(auth->actor) != 0) {
        cb_log_error("zauth_failed", "command=CURVE path=%s", auth->clients);
        return CB_E_CONFIG;
    }
    if (count == 0) {
        cb_log_warn(event, "path=%s clients=0 note=\"no client can connect\"", auth->clients);
    } else {
        cb_log_info(event, "path=%s clients=%d", auth->clients, count);
    }
    return 0;
}

bus_auth_t *
bus_auth_start(const char *dir)
{
    bus_auth_t *auth = calloc(1, sizeof *auth);
    if (auth == NULL) {
        goto fail_alloc;
    }
    snprintf(auth->clients, sizeof auth->clients, "%s/%s", dir, CB_CURVE_CLIENTS_DIR);
    auth->actor = zactor_new(zauth, NULL);
    if (auth->actor == NULL) {
        cb_log_error("zauth_failed", "command=start");
        goto fail_actor;
    }
    if (s_load(auth, "curve_allow_list") != 0) {
        goto fail_load;
    }
    return auth;

fail_load:
    zactor_destroy(&auth->actor);
fail_actor:
    free(auth);
fail_alloc:
    return NULL;
}

int
bus_auth_reload(bus_auth_t *auth)
{
    return s_load(auth, "curve_allow_list_reloaded");
}

void
bus_auth_stop(bus_auth_t **auth_p)
{
    if (auth_p == NULL || *auth_p == NULL) {
        return;
    }
    zactor_destroy(&(*auth_p)->actor);
    free(*auth_p);
    *auth_p = NULL;
}
