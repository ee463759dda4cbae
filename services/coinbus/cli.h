/* cli.h - the coinbus command-line tool's subcommands and their shared setup */
#ifndef CLI_H_INCLUDED
#define CLI_H_INCLUDED

#include <stddef.h>

#include "cb_bus.h"
#include "cb_config.h"

/* Exit codes of every subcommand. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,   /* an error reply, a refused message, an I/O error */
    CLI_EXIT_TIMEOUT = 2, /* nothing arrived in time */
    CLI_EXIT_USAGE = 64,
};

/* The bus endpoints from the environment; 0 or CB_E_CONFIG (logged). */
int
cli_bus_config(cb_bus_config_t *bus);

/* Prints the tool's usage and environment variables to out. */
void
cli_usage(FILE *out);

/* Subcommands: argv[0] is the subcommand's name. Each returns an exit code. */
int
cli_sub(int argc, char **argv);
int
cli_pub(int argc, char **argv);
int
cli_call(int argc, char **argv);
/* creds set|list|remove|verify: hardens the process first (no core file). */
int
cli_creds(int argc, char **argv);
int
cli_keys(int argc, char **argv);
/* certs init|add: CurveZMQ certificates for COINBUS_CURVE=on. */
int
cli_certs(int argc, char **argv);

/* COINBUS_REDIS_URL (validated at start), or its default. */
const char *
cli_redis_url(void);

/* Parses a positive integer option value; -1 when it is not one. */
long
cli_parse_count(const char *text);

#endif
