/* cli_certs.c - `coinbus certs`: the CurveZMQ certificates of an authenticated bus */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_curve.h"
#include "cli.h"

#define S_PATH_MAX 1024

static const char s_help[] =
    "usage: coinbus certs init [--force] <dir>\n"
    "       coinbus certs add [--force] <dir> <name>\n"
    "\n"
    "CurveZMQ certificates for COINBUS_CURVE=on (zcert format).\n"
    "  init  makes <dir> (0700) with the bus's keypair (bus.key, bus.key_secret)\n"
    "        and one keypair per client: <name>.key_secret, and its public cert\n"
    "        clients/<name>.key (the bus's allow-list), for market-feed,\n"
    "        order-router, account, sentiment, api-edge and coinbus\n"
    "  add   the same for one more client NAME (letters, digits, '-', '_', '.');\n"
    "        a process uses it with COINBUS_CURVE_CERT=<dir>/<name>.key_secret\n"
    "Secret files are 0600. Existing certs are never replaced without --force.\n"
    "The bus re-reads clients/ when it changes (and on SIGHUP); to revoke a\n"
    "client, delete its clients/<name>.key. Exit status: 0 ok, 1 error, 64 usage.\n";

static const char *const s_clients[] = {"market-feed", "order-router", "account",
                                        "sentiment",   "api-edge",     "coinbus"};
#define S_NCLIENTS (sizeof s_clients / sizeof s_clients[0])

static bool
s_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Makes dir with mode 0700 unless it exists as a directory. 0 or -1 (said). */
static int
s_mkdir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
        return 0;
    }
    fprintf(stderr, "coinbus certs: cannot make directory %s: %s\n", dir, strerror(errno));
    return -1;
}

/* The paths of name's files in dir: its secret cert and its public one (for
 * the bus: bus.key beside the secret; for a client: clients/<name>.key). */
static int
s_paths(const char *dir, const char *name, char *secret, char *public)
{
    bool bus = strcmp(name, "bus") == 0;
    int a = snprintf(secret, S_PATH_MAX, "%s/%s.key_secret", dir, name);
    int b = bus ? snprintf(public, S_PATH_MAX, "%s/bus.key", dir)
                : snprintf(public, S_PATH_MAX, "%s/%s/%s.key", dir, CB_CURVE_CLIENTS_DIR, name);
    if (a < 0 || a >= S_PATH_MAX || b < 0 || b >= S_PATH_MAX) {
        fprintf(stderr, "coinbus certs: path too long under %s\n", dir);
        return -1;
    }
    return 0;
}

/* -1 (said) when one of name's files exists. */
static int
s_refuse_existing(const char *dir, const char *name)
{
    char secret[S_PATH_MAX];
    char public[S_PATH_MAX];
    if (s_paths(dir, name, secret, public) != 0) {
        return -1;
    }
    const char *paths[] = {secret, public};
    for (size_t i = 0; i < 2; i++) {
        if (access(paths[i], F_OK) == 0) {
            fprintf(stderr,
                    "coinbus certs: %s exists; not replacing certificates without --force\n",
                    paths[i]);
            return -1;
        }
    }
    return 0;
}

/* Saves with save() into path.tmp, sets mode and renames over path. */
static int
s_save(zcert_t *cert, int (*save)(zcert_t *, const char *), const char *path, mode_t mode)
{
    char tmp[S_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    if (save(cert, tmp) != 0 || chmod(tmp, mode) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "coinbus certs: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A new keypair for name: the secret cert (0600) and the public one. */
static int
s_make(const char *dir, const char *name)
{
    char secret[S_PATH_MAX];
    char public[S_PATH_MAX];
    if (s_paths(dir, name, secret, public) != 0) {
        return -1;
    }
    zcert_t *cert = zcert_new();
    if (cert == NULL) {
        fprintf(stderr, "coinbus certs: cannot make a keypair for %s\n", name);
        return -1;
    }
    zcert_set_meta(cert, "name", "%s", name);
    int rc = s_save(cert, zcert_save_secret, secret, 0600);
    if (rc == 0) {
        rc = s_save(cert, zcert_save_public, public, 0644);
    }
    zcert_destroy(&cert);
    if (rc == 0) {
        printf("%s\n%s\n", secret, public);
    }
    return rc;
}

static int
s_prepare(const char *dir)
{
    char clients[S_PATH_MAX];
    snprintf(clients, sizeof clients, "%s/%s", dir, CB_CURVE_CLIENTS_DIR);
    return s_mkdir(dir) == 0 && s_mkdir(clients) == 0 ? 0 : -1;
}

static int
s_init(const char *dir, bool force)
{
    if (!force) {
        if (s_refuse_existing(dir, "bus") != 0) {
            return CLI_EXIT_ERROR;
        }
        for (size_t i = 0; i < S_NCLIENTS; i++) {
            if (s_refuse_existing(dir, s_clients[i]) != 0) {
                return CLI_EXIT_ERROR;
            }
        }
    }
    if (s_prepare(dir) != 0 || s_make(dir, "bus") != 0) {
        return CLI_EXIT_ERROR;
    }
    for (size_t i = 0; i < S_NCLIENTS; i++) {
        if (s_make(dir, s_clients[i]) != 0) {
            return CLI_EXIT_ERROR;
        }
    }
    fprintf(stderr,
            "coinbus certs: made the bus's keypair and %zu clients' in %s; start every "
            "process with COINBUS_CURVE=on COINBUS_CURVE_DIR=%s\n",
            S_NCLIENTS, dir, dir);
    return CLI_EXIT_OK;
}

static int
s_add(const char *dir, const char *name, bool force)
{
    if (!s_name_ok(name) || strcmp(name, "bus") == 0) {
        fprintf(stderr,
                "coinbus certs add: NAME must be 1-64 letters, digits, '-', '_' or '.' "
                "(not starting with '.', not \"bus\"), not '%s'\n",
                name);
        return CLI_EXIT_USAGE;
    }
    if (!force && s_refuse_existing(dir, name) != 0) {
        return CLI_EXIT_ERROR;
    }
    return s_prepare(dir) == 0 && s_make(dir, name) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int
cli_certs(int argc, char **argv)
{
    bool force = false;
    const char *args[3];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(s_help, stdout);
            return CLI_EXIT_OK;
        } else if (nargs < 3) {
            args[nargs++] = argv[i];
        } else {
            fprintf(stderr, "coinbus certs: unexpected argument '%s'\n%s", argv[i], s_help);
            return CLI_EXIT_USAGE;
        }
    }
    /* Secrets are born private: nothing made here is readable by others. */
    umask(077);
    if (nargs == 2 && strcmp(args[0], "init") == 0) {
        return s_init(args[1], force);
    }
    if (nargs == 3 && strcmp(args[0], "add") == 0) {
        return s_add(args[1], args[2], force);
    }
    fputs(s_help, stderr);
    return CLI_EXIT_USAGE;
}
