/* cli_keys.c - `coinbus keys`: create, list and revoke api-edge's API keys (in Redis) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cb_apikey.h"
#include "cb_error.h"
#include "cb_time.h"
#include "cli.h"

static const char s_help[] =
    "usage: coinbus keys create --name NAME --scope read|trade\n"
    "       coinbus keys list\n"
    "       coinbus keys revoke ID\n"
    "\n"
    "API keys for api-edge's private routes (Authorization: Bearer <key>).\n"
    "  create  makes a key and prints it ONCE (only its SHA-256 is stored);\n"
    "          NAME is 1-64 letters, digits, '-', '_', '.', ' '; scope trade\n"
    "          includes read. Prints the id on stderr and the key on stdout.\n"
    "  list    prints id, name, scope, created and last used (never a key)\n"
    "  revoke  deletes the key with ID and returns 0.5 s later, when every\n"
    "          api-edge refuses it (their key caches have heard of it)\n"
    "Redis: COINBUS_REDIS_URL. Exit status: 0 ok, 1 error, 64 usage.\n";

static void
s_time(int64_t ms, char *out, size_t size)
{
    if (ms <= 0) {
        snprintf(out, size, "never");
        return;
    }
    cb_time_format_iso(ms * 1000000, out, size);
}

static int
s_create(cb_redis_t *r, int argc, char **argv)
{
    const char *name = NULL;
    const char *scope_text = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc) {
            scope_text = argv[++i];
        } else {
            fprintf(stderr, "coinbus keys create: unexpected argument '%s'\n%s", argv[i], s_help);
            return CLI_EXIT_USAGE;
        }
    }
    cb_apikey_scope_t scope;
    if (name == NULL || scope_text == NULL) {
        fprintf(stderr, "coinbus keys create: --name and --scope are required\n%s", s_help);
        return CLI_EXIT_USAGE;
    }
    if (cb_apikey_scope_parse(scope_text, strlen(scope_text), &scope) != 0) {
        fprintf(stderr, "coinbus keys create: --scope must be read or trade, not '%s'\n", scope_text);
        return CLI_EXIT_USAGE;
    }
    if (!cb_apikey_name_ok(name)) {
        fprintf(stderr, "coinbus keys create: --name must be 1-64 letters, digits, '-', '_', '.' or spaces\n");
        return CLI_EXIT_USAGE;
    }
    char key[CB_APIKEY_TEXT_LEN + 1];
    cb_apikey_info_t info;
    int rc = cb_apikey_create(r, name, scope, key, &info);
    if (rc != 0) {
        fprintf(stderr, "coinbus keys create: could not store the key: %s\n", cb_strerror(rc));
        return CLI_EXIT_ERROR;
    }
    fprintf(stderr, "created key id %s (name \"%s\", scope %s); the key is shown once:\n", info.id, info.name,
            cb_apikey_scope_name(info.scope));
    printf("%s\n", key);
    fflush(stdout);
    OPENSSL_cleanse(key, sizeof key);
    return CLI_EXIT_OK;
}

static int
s_list(cb_redis_t *r)
{
    cb_apikey_info_t *list = NULL;
    size_t n = 0;
    int rc = cb_apikey_list(r, &list, &n);
    if (rc != 0) {
        fprintf(stderr, "coinbus keys list: could not read the keys: %s\n", cb_strerror(rc));
        return CLI_EXIT_ERROR;
    }
    printf("%-16s  %-24s  %-5s  %-24s  %s\n", "ID", "NAME", "SCOPE", "CREATED", "LAST USED");
    for (size_t i = 0; i < n; i++) {
        char created[CB_TIME_ISO_LEN], used[CB_TIME_ISO_LEN];
        s_time(list[i].created_ms, created, sizeof created);
        s_time(list[i].last_used_ms, used, sizeof used);
        printf("%-16s  %-24s  %-5s  %-24s  %s\n", list[i].id, list[i].name, cb_apikey_scope_name(list[i].scope),
               created, used);
    }
    free(list);
    return CLI_EXIT_OK;
}

static int
s_revoke(cb_redis_t *r, const char *id)
{
    int rc = cb_apikey_revoke(r, id);
    if (rc == CB_E_NOT_FOUND) {
        fprintf(stderr, "coinbus keys revoke: no key with id '%s' (see coinbus keys list)\n", id);
        return CLI_EXIT_ERROR;
    }
    if (rc != 0) {
        fprintf(stderr, "coinbus keys revoke: could not revoke: %s\n", cb_strerror(rc));
        return CLI_EXIT_ERROR;
    }
    printf("revoked %s\n", id);
    return CLI_EXIT_OK;
}

int
cli_keys(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *cmd = argv[1];
    bool create = strcmp(cmd, "create") == 0;
    bool list = strcmp(cmd, "list") == 0 && argc == 2;
    bool revoke = strcmp(cmd, "revoke") == 0 && argc == 3;
    if (!create && !list && !revoke) {
        fprintf(stderr, "coinbus keys: bad command '%s'\n%s", cmd, s_help);
        return CLI_EXIT_USAGE;
    }
    int err = 0;
    cb_redis_t *r = cb_redis_new(cli_redis_url(), &err);
    if (r == NULL) {
        fprintf(stderr, "coinbus keys: bad COINBUS_REDIS_URL: %s\n", cb_strerror(err));
        return CLI_EXIT_ERROR;
    }
    int rc = create ? s_create(r, argc - 1, argv + 1) : list ? s_list(r) : s_revoke(r, argv[2]);
    cb_redis_destroy(&r);
    return rc;
}
