/* cb_config.h - configuration from environment variables: typed, defaulted, validated */
#ifndef CB_CONFIG_H_INCLUDED
#define CB_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cb_log.h"

typedef enum {
    CB_CFG_STR,   /* any non-empty text */
    CB_CFG_INT,   /* integer in [min, max] */
    CB_CFG_PORT,  /* TCP port 1..65535 */
    CB_CFG_HOST,  /* host name or IP literal */
    CB_CFG_ENUM,  /* one of choices ("a|b|c") */
    CB_CFG_URL,   /* redis:// URL (checked by cb_redis_url_parse) */
    CB_CFG_BOOL,  /* 1|0|true|false|yes|no|on|off */
} cb_config_type_t;

/* One environment variable a program reads: the same table drives loading,
 * validation and --help. def may be NULL for "unset by default". */
typedef struct {
    const char *name;
    cb_config_type_t type;
    const char *def;
    long min;
    long max;
    const char *choices;
    const char *help;
} cb_config_var_t;

/* The variables every service reads (rows for a cb_config_var_t table). */
#define CB_CONFIG_COMMON_VARS                                                   \
    {"COINBUS_BUS_HOST", CB_CFG_HOST, "127.0.0.1", 0, 0, NULL,                 \
     "host of the bus (services connect there)"},                              \
    {"COINBUS_BUS_PUB_PORT", CB_CFG_PORT, "5550", 0, 0, NULL,                  \
     "bus port publishers connect to (XSUB)"},                                 \
    {"COINBUS_BUS_SUB_PORT", CB_CFG_PORT, "5551", 0, 0, NULL,                  \
     "bus port subscribers connect to (XPUB)"},                                \
    {"COINBUS_REDIS_URL", CB_CFG_URL, "redis://127.0.0.1:6379/0", 0, 0, NULL,  \
     "Redis URL: redis://[[user]:password@]host[:port][/db]"},                 \
    {"COINBUS_LOG_LEVEL", CB_CFG_ENUM, "info", 0, 0, "debug|info|warn|error",  \
     "lowest level logged"},                                                   \
    {"COINBUS_LOG_FORMAT", CB_CFG_ENUM, "text", 0, 0, "text|json",             \
     "log line format"},                                                       \
    {"COINBUS_SCHED_SLICE_US", CB_CFG_INT, "0", 0, 100000, NULL,               \
     "scheduler time slice (us) asked for the process, no privilege needed "  \
     "(Linux >= 6.12 clamps to 100..100000): a woken process with a short "   \
     "slice preempts CPU-bound work at once; 0: the kernel's default"}

/* Checks every variable of the table that is set in the environment.
 * On the first bad one, logs one line naming the variable, its value (masked
 * when the name looks secret) and what is expected, and returns CB_E_CONFIG. */
int
cb_config_validate(const cb_config_var_t *vars, size_t count);

/* Typed getters: the environment value when set and non-empty, else the
 * table default. They validate like cb_config_validate (0 or CB_E_CONFIG).
 * String results point into the environment or the table: do not free. */
int
cb_config_str(const cb_config_var_t *vars, size_t count, const char *name, const char **out);
int
cb_config_int(const cb_config_var_t *vars, size_t count, const char *name, long *out);
int
cb_config_bool(const cb_config_var_t *vars, size_t count, const char *name, bool *out);

/* Checks one value against one variable's rules; writes what is expected into
 * why (may be NULL) when it fails. Returns 0 or CB_E_CONFIG. */
int
cb_config_check(const cb_config_var_t *var, const char *value, char *why, size_t why_size);

/* Prints "usage" then a table of the variables with defaults and help. */
void
cb_config_print_help(FILE *out, const char *usage, const cb_config_var_t *vars, size_t count);

/* Reads COINBUS_LOG_LEVEL / COINBUS_LOG_FORMAT from the table and calls
 * cb_log_init(service, ...), then applies COINBUS_SCHED_SLICE_US when the
 * table has it (cb_sched_set_slice_us; a refusal is logged, not fatal): call
 * it before starting threads, which inherit the slice. Returns 0 or
 * CB_E_CONFIG (already logged). */
int
cb_config_init_log(const char *service, const cb_config_var_t *vars, size_t count);

/* Handles --help / --version / unknown arguments for a service whose only
 * configuration is the environment. Returns -1 to go on, or an exit code
 * (0 after --help/--version, 64 for a bad argument) to exit with at once. */
int
cb_config_handle_args(int argc, char **argv, const char *usage, const cb_config_var_t *vars,
                      size_t count);

#define CB_VERSION "0.1.0"

#endif
