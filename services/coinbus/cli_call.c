/* cli_call.c - `coinbus call`: one RPC through the bus, reply printed as JSON */
#include <stdio.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_rpc.h"
#include "cli.h"

/* Packs the key=value / key:=json arguments as one map. 0, or 1 after
 * printing why an argument is bad. */
static int
s_pack_args(int argc, char **argv, msgpack_packer *pk)
{
    msgpack_pack_map(pk, (size_t) argc);
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (eq == NULL || eq == argv[i]) {
            fprintf(stderr, "coinbus call: argument '%s' is not key=value or key:=json\n",
                    argv[i]);
            return 1;
        }
        bool json = eq[-1] == ':';
        size_t keylen = (size_t) (eq - argv[i]) - (json ? 1 : 0);
        if (keylen == 0) {
            fprintf(stderr, "coinbus call: argument '%s' has an empty key\n", argv[i]);
            return 1;
        }
        msgpack_pack_str_with_body(pk, argv[i], keylen);
        const char *value = eq + 1;
        if (json) {
            char why[256];
            if (cb_json_to_msgpack(value, strlen(value), pk, why, sizeof why) != 0) {
                fprintf(stderr, "coinbus call: argument '%.*s': %s\n", (int) keylen, argv[i],
                        why);
                return 1;
            }
        } else {
            msgpack_pack_str_with_body(pk, value, strlen(value));
        }
    }
    return 0;
}

int
cli_call(int argc, char **argv)
{
    long timeout_ms = 5000;
    long retries = 2;
    int arg = 1;
    while (arg + 1 < argc && strncmp(argv[arg], "--", 2) == 0) {
        long v = cli_parse_count(argv[arg + 1]);
        if (strcmp(argv[arg], "--timeout") == 0 && v > 0) {
            timeout_ms = v;
        } else if (strcmp(argv[arg], "--retries") == 0 &&
                   (v >= 0 || strcmp(argv[arg + 1], "0") == 0)) {
            retries = v < 0 ? 0 : v;
        } else {
            fprintf(stderr, "coinbus call: bad option '%s %s'\n", argv[arg], argv[arg + 1]);
            return CLI_EXIT_USAGE;
        }
        arg += 2;
    }
    if (argc - arg < 2) {
        fprintf(stderr, "usage: coinbus call [--timeout MS] [--retries N] <service> <op> "
                        "[key=value | key:=json]...\n");
        return CLI_EXIT_USAGE;
    }
    cb_rpc_service_t service;
    if (cb_rpc_service_from_name(argv[arg], &service) != 0) {
        fprintf(stderr, "coinbus call: unknown service '%s' (market, orders, account, "
                        "sentiment)\n", argv[arg]);
        return CLI_EXIT_USAGE;
    }
    const char *op = argv[arg + 1];
    cb_bus_config_t bus;
    if (cli_bus_config(&bus) != 0) {
        return CLI_EXIT_USAGE;
    }
    msgpack_sbuffer args;
    msgpack_sbuffer_init(&args);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
    int exit_code = CLI_EXIT_USAGE;
    if (s_pack_args(argc - arg - 2, argv + arg + 2, &pk) != 0) {
        goto done_args;
    }
    cb_rpc_client_t *client = cb_rpc_client_new(bus.frontend[service]);
    if (client == NULL) {
        exit_code = CLI_EXIT_ERROR;
        goto done_args;
    }
    cb_rpc_result_t result;
    int rc = cb_rpc_call(client, op, args.data, args.size, (int) timeout_ms, (unsigned) retries,
                         &result);
    if (rc == CB_E_TIMEOUT) {
        fprintf(stderr, "coinbus call: no reply from %s within %ld ms (%ld attempts)\n",
                argv[arg], timeout_ms * (retries + 1), retries + 1);
        exit_code = CLI_EXIT_TIMEOUT;
    } else if (rc != 0) {
        fprintf(stderr, "coinbus call: %s\n", cb_strerror(rc));
        exit_code = rc == CB_E_BAD_REQUEST ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
    } else {
        cb_buf_t out;
        cb_buf_init(&out);
        if (cb_json_from_msgpack((const char *) result.reply.ptr, result.reply.len, &out) == 0) {
            printf("%s\n", out.data);
        } else {
            fprintf(stderr, "coinbus call: the reply cannot be shown as JSON\n");
        }
        cb_buf_fini(&out);
        exit_code = result.ok ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    }
    cb_rpc_client_destroy(&client);
done_args:
    msgpack_sbuffer_destroy(&args);
    return exit_code;
}
