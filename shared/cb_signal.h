/* cb_signal.h - SIGINT/SIGTERM/SIGUSR1 (and SIGHUP on request) as flags for a service's main loop */
#ifndef CB_SIGNAL_H_INCLUDED
#define CB_SIGNAL_H_INCLUDED

#include <signal.h>
#include <stdbool.h>

/* Set to 1 by SIGINT or SIGTERM. */
extern volatile sig_atomic_t cb_signal_stop;
/* Set to 1 by SIGUSR1 (services use it to log their counters); the main loop
 * clears it. */
extern volatile sig_atomic_t cb_signal_usr1;

/* Set to 1 by SIGHUP once cb_signal_install_hup has run (the bus re-reads
 * its CURVE allow-list); the main loop clears it. */
extern volatile sig_atomic_t cb_signal_hup;

/* Installs the handlers (without SA_RESTART, so blocking calls return EINTR),
 * turns off czmq's own SIGINT handling, ignores SIGPIPE and makes the process
 * non-dumpable so that no core file can hold a secret. Returns 0 or -errno. */
int
cb_signal_install(void);

/* Makes SIGHUP set cb_signal_hup instead of ending the process (only for a
 * service that reloads something on it). Returns 0 or -errno. */
int
cb_signal_install_hup(void);

/* A SIGPIPE guard for I/O on sockets written with write(2) (hiredis): a
 * write to a connection the server reset raises SIGPIPE, which kills a
 * process that does not ignore it. Between on and off the signal is blocked
 * (unless ignored), and a SIGPIPE raised meanwhile is consumed (the libpq
 * technique). On the stack, per thread; errno is kept across off. */
typedef struct {
    bool active;
    bool was_pending;
    sigset_t old_mask;
} cb_signal_pipe_guard_t;

void
cb_signal_pipe_guard_on(cb_signal_pipe_guard_t *g);
void
cb_signal_pipe_guard_off(cb_signal_pipe_guard_t *g);

#endif
