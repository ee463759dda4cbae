/* cb_signal.c - SIGINT/SIGTERM/SIGUSR1 as flags for a service's main loop */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>

#include <czmq.h>

#include "cb_signal.h"

volatile sig_atomic_t cb_signal_stop = 0;
volatile sig_atomic_t cb_signal_usr1 = 0;
volatile sig_atomic_t cb_signal_hup = 0;

static void
s_on_stop(int sig)
{
    (void) sig;
    cb_signal_stop = 1;
}

static void
s_on_usr1(int sig)
{
    (void) sig;
    cb_signal_usr1 = 1;
}

static void
s_on_hup(int sig)
{
    (void) sig;
    cb_signal_hup = 1;
}

int
cb_signal_install_hup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_hup;
    return sigaction(SIGHUP, &sa, NULL) == 0 ? 0 : -errno;
}

int
cb_signal_install(void)
{
    /* czmq would otherwise install its own SIGINT/SIGTERM handler on the
     * first socket and swallow the signal into zsys_interrupted. */
    zsys_handler_set(NULL);
    /* czmq sets itself up lazily on the first socket, and two threads doing
     * that at once trip its assertions (zsys_set_thread_name_prefix "not
     * valid after creating sockets"): set it up here, before any thread. */
    (void) zsys_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_stop;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
        return -errno;
    }
    sa.sa_handler = s_on_usr1;
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        return -errno;
    }
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return 0;
}

void
cb_signal_pipe_guard_on(cb_signal_pipe_guard_t *g)
{
    struct sigaction sa;
    g->active = sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN;
    if (!g->active) {
        return;
    }
    sigset_t pipe_set;
    sigset_t pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask);
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

void
cb_signal_pipe_guard_off(cb_signal_pipe_guard_t *g)
{
    if (!g->active) {
        return;
    }
    int saved = errno;
    sigset_t pipe_set;
    sigset_t pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
    errno = saved;
}
