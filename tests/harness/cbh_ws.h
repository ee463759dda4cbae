/* cbh_ws.h - test harness: a small blocking WebSocket client (HTTP/1.1 upgrade, RFC 6455 framing of its own) over loopback TCP */
#ifndef CBH_WS_H_INCLUDED
#define CBH_WS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* One client connection. Single-threaded; every call may block up to the
 * timeout it is given. */
typedef struct cbh_ws cbh_ws_t;

/* Connects to 127.0.0.1:port, sends the upgrade request for path (with
 * query) and checks the 101 answer and its Sec-WebSocket-Accept. Returns
 * the connection, or NULL with *status set to the HTTP status answered
 * (-1 when the connection or the handshake failed); *status is 101 on
 * success. status may be NULL. */
cbh_ws_t *
cbh_ws_connect(int port, const char *path, int *status);

/* The same with the socket's receive buffer set to rcvbuf bytes before
 * connecting (0: the system's default), to make a client that reads slowly
 * fall behind sooner. */
cbh_ws_t *
cbh_ws_connect_opts(int port, const char *path, int rcvbuf, int *status);

/* The same with extra request headers (each "Name: value\r\n"; NULL: none). */
cbh_ws_t *
cbh_ws_connect_hdrs(int port, const char *path, int rcvbuf, const char *headers, int *status);

/* Closes the socket and frees; NULL-safe, nulls *ws_p. */
void
cbh_ws_close(cbh_ws_t **ws_p);

/* Sends one text message (masked, as a client must). 0 or -1. */
int
cbh_ws_send(cbh_ws_t *ws, const char *text);

/* Sends a ping frame with payload. 0 or -1. */
int
cbh_ws_ping(cbh_ws_t *ws, const char *payload);

/* Starts the closing handshake with a close frame (code). 0 or -1. */
int
cbh_ws_send_close(cbh_ws_t *ws, int code);

/* The next text message, waiting up to timeout_ms: a NUL-terminated copy
 * the caller frees (its length in *len, len may be NULL), or NULL on
 * timeout or once the connection has ended. Pings are answered (pong
 * with the same payload) while waiting. */
char *
cbh_ws_recv(cbh_ws_t *ws, int timeout_ms, size_t *len);

/* The next message containing needle, waiting up to timeout_ms in all;
 * messages before it are dropped. NULL on timeout or once the connection
 * has ended; the caller frees. */
char *
cbh_ws_wait_for(cbh_ws_t *ws, const char *needle, int timeout_ms);

/* Reads for timeout_ms, queueing text messages and answering pings. */
void
cbh_ws_pump(cbh_ws_t *ws, int timeout_ms);

/* Messages received and not yet taken. */
size_t
cbh_ws_pending(const cbh_ws_t *ws);

/* True once the server closed the connection (or it failed). */
bool
cbh_ws_ended(const cbh_ws_t *ws);

/* Ping frames received so far, and the status code of a close frame
 * received (0: none). */
int
cbh_ws_pings(const cbh_ws_t *ws);

int
cbh_ws_close_code(const cbh_ws_t *ws);

/* The connection's socket, to poll many connections at once (then
 * cbh_ws_pump with 0 reads what is there); the connection keeps it. */
int
cbh_ws_fd(const cbh_ws_t *ws);

#endif
