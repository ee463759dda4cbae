/* cbh_wsfan.h - test harness: many cheap raw WebSocket clients on one epoll, for fan-out tests and
 * benches */
#ifndef CBH_WSFAN_H_INCLUDED
#define CBH_WSFAN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* Each client is one non-blocking socket and one fixed buffer; frames are
 * parsed in place (no copy per message). The server's frames must be
 * unfragmented text frames under 64 KiB; anything else is an error. No
 * cmocka: every failure is a negative return, described by cbh_wsfan_error. */
typedef struct cbh_wsfan cbh_wsfan_t;

/* Called for each text message of client i (data borrowed for the call). */
typedef void (*cbh_wsfan_msg_fn)(void *arg, size_t i, const char *data, size_t len);

/* Connects n clients to ws://127.0.0.1:port<path> and sends each upgrade
 * request; after a client's 101 answer, first_text (NULL: nothing) is sent as
 * a masked text frame (under 126 bytes). Every text message goes to fn.
 * NULL when a socket could not be connected (logged to stderr). */
cbh_wsfan_t *cbh_wsfan_new(int port, const char *path, size_t n, const char *first_text,
                           cbh_wsfan_msg_fn fn, void *arg);

/* Closes every socket and frees; NULL-safe, nulls *set_p. */
void cbh_wsfan_destroy(cbh_wsfan_t **set_p);

/* Waits up to ms for readable clients and reads them until they would block.
 * 0, or -1 when a connection ended or sent something unexpected. */
int cbh_wsfan_poll(cbh_wsfan_t *set, int ms);

/* Clients whose 101 answer has come. */
size_t cbh_wsfan_open(const cbh_wsfan_t *set);

/* What went wrong ("" until something did). */
const char *cbh_wsfan_error(const cbh_wsfan_t *set);

#endif
