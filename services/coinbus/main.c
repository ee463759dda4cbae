/* main.c - coinbus: command-line access to the bus (sub, pub, call), credentials (creds), api-edge's keys (keys) and the bus's certs (certs) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "cli.h"

static const cb_config_var_t s_vars[] = {CB_CONFIG_COMMON_VARS, CB_BUS_CONFIG_VARS};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: coinbus <command> [arguments]\n"
    "\n"
    "Commands:\n"
    "  sub [--count N] [--timeout SECONDS] <topic-prefix>...\n"
    "      print each message whose topic starts with a prefix as one JSON line\n"
    "      {\"topic\":...,\"msg\":{...}} (decimals stay strings); \"\" means all\n"
    "  pub [--wait-ms MS] <topic> '<json>'\n"
    "      check the JSON body against the topic's schema, stamp v/ts/epoch/seq\n"
    "      and publish it, e.g. coinbus pub tick.BTC-USD.sim-kraken\n"
    "      '{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"bid\":\"50000.1\",\"ask\":\"50000.2\"}'\n"
    "  call [--timeout MS] [--retries N] <service> <op> [key=value | key:=json]...\n"
    "      call an RPC service (market, orders, account, sentiment) and print the\n"
    "      reply as JSON; key=value sends a string, key:=json any JSON value\n"
    "  creds set [--plain] <venue>\n"
    "      read the API key and secret (two lines, or prompts with the secret not\n"
    "      echoed) and store them in the encrypted file (--plain: the 0600 plain file)\n"
    "  creds list | creds remove [--plain] <venue> | creds verify <venue>\n"
    "      venues and key fingerprints (never secrets); remove one; a signed balance call\n"
    "      (Kraken: the nonce comes from COINBUS_REDIS_URL's Redis, shared with the\n"
    "      services using the key; when it does not answer within 300 ms, from the\n"
    "      clock, with a note: a service signing with the key at that moment may then\n"
    "      get EAPI:Invalid nonce once)\n"
    "  keys create --name NAME --scope read|trade | keys list | keys revoke ID\n"
    "      api-edge's API keys (in Redis); see coinbus keys --help\n"
    "  certs init [--force] <dir> | certs add [--force] <dir> <name>\n"
    "      CurveZMQ certificates for an authenticated bus (COINBUS_CURVE=on):\n"
    "      the bus's keypair, one per service, the bus's allow-list; see\n"
    "      coinbus certs --help. With COINBUS_CURVE=on, sub/pub/call use\n"
    "      COINBUS_CURVE_CERT, else <COINBUS_CURVE_DIR>/coinbus.key_secret\n"
    "\n"
    "Exit status: 0 ok, 1 error reply or refused input, 2 timeout, 64 usage.";

int
cli_bus_config(cb_bus_config_t *bus)
{
    if (cb_config_validate(s_vars, S_NVARS) != 0) {
        return CB_E_CONFIG;
    }
    return cb_bus_config_load(s_vars, S_NVARS, bus);
}

void
cli_usage(FILE *out)
{
    cb_config_print_help(out, s_usage, s_vars, S_NVARS);
}

const char *
cli_redis_url(void)
{
    const char *url = NULL;
    if (cb_config_str(s_vars, S_NVARS, "COINBUS_REDIS_URL", &url) != 0 || url == NULL) {
        return "redis://127.0.0.1:6379/0";
    }
    return url;
}

long
cli_parse_count(const char *text)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v <= 0) {
        return -1;
    }
    return v;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("coinbus %s\n", CB_VERSION);
        return CLI_EXIT_OK;
    }
    /* Log lines go to stderr; stdout carries only the JSON output. */
    if (cb_config_init_log("coinbus", s_vars, S_NVARS) != 0) {
        return CLI_EXIT_USAGE;
    }
    cb_signal_install();
    if (strcmp(argv[1], "sub") == 0) {
        return cli_sub(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "pub") == 0) {
        return cli_pub(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "call") == 0) {
        return cli_call(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "creds") == 0) {
        return cli_creds(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "keys") == 0) {
        return cli_keys(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "certs") == 0) {
        return cli_certs(argc - 1, argv + 1);
    }
    fprintf(stderr, "coinbus: unknown command '%s' (try --help)\n", argv[1]);
    return CLI_EXIT_USAGE;
}
