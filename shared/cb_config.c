/* cb_config.c - configuration from environment variables: typed, defaulted, validated */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_config.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_sched.h"

static const cb_config_var_t *
s_find(const cb_config_var_t *vars, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(vars[i].name, name) == 0) {
            return &vars[i];
        }
    }
    return NULL;
}

static int
s_parse_long(const char *value, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0') {
        return CB_E_CONFIG;
    }
    *out = v;
    return 0;
}

static int
s_parse_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return CB_E_CONFIG;
}

static bool
s_host_valid(const char *value)
{
    size_t len = strlen(value);
    if (len == 0 || len > 253) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == ':' || c == '_' || c == '*';
        if (!ok) {
            return false;
        }
    }
    return true;
}

int
cb_config_check(const cb_config_var_t *var, const char *value, char *why, size_t why_size)
{
    char scratch[128];
    if (why == NULL) {
        why = scratch;
        why_size = sizeof scratch;
    }
    long l;
    bool b;
    switch (var->type) {
    case CB_CFG_STR:
        if (value[0] == '\0') {
            snprintf(why, why_size, "a non-empty string");
            return CB_E_CONFIG;
        }
        return 0;
    case CB_CFG_INT:
        if (s_parse_long(value, &l) != 0 || l < var->min || l > var->max) {
            snprintf(why, why_size, "an integer from %ld to %ld", var->min, var->max);
            return CB_E_CONFIG;
        }
        return 0;
    case CB_CFG_PORT:
        if (s_parse_long(value, &l) != 0 || l < 1 || l > 65535) {
            snprintf(why, why_size, "a TCP port from 1 to 65535");
            return CB_E_CONFIG;
        }
        return 0;
    case CB_CFG_HOST:
        if (!s_host_valid(value)) {
            snprintf(why, why_size, "a host name or IP address");
            return CB_E_CONFIG;
        }
        return 0;
    case CB_CFG_ENUM: {
        const char *p = var->choices;
        size_t len = strlen(value);
        while (p != NULL && *p != '\0') {
            const char *bar = strchr(p, '|');
            size_t n = bar != NULL ? (size_t) (bar - p) : strlen(p);
            if (n == len && strncasecmp(p, value, len) == 0) {
                return 0;
            }
            p = bar != NULL ? bar + 1 : NULL;
        }
        snprintf(why, why_size, "one of %s", var->choices);
        return CB_E_CONFIG;
    }
    case CB_CFG_URL: {
        cb_redis_url_t url;
        int rc = cb_redis_url_parse(value, &url);
        if (rc != 0) {
            snprintf(why, why_size, "a URL redis://[[user]:password@]host[:port][/db]");
            return CB_E_CONFIG;
        }
        cb_redis_url_fini(&url);
        return 0;
    }
    case CB_CFG_BOOL:
        if (s_parse_bool(value, &b) != 0) {
            snprintf(why, why_size, "one of 1|0|true|false|yes|no|on|off");
            return CB_E_CONFIG;
        }
        return 0;
    }
    snprintf(why, why_size, "a known type");
    return CB_E_CONFIG;
}

static void
s_report(const cb_config_var_t *var, const char *value, const char *why)
{
    /* The logger masks values of secret-looking keys and URL passwords; the
     * variable name is logged as "variable", so mask here when it looks secret. */
    bool secret = cb_log_key_is_secret(var->name, strlen(var->name));
    cb_log_error("config_invalid", "variable=%s value=%s expected=\"%s\"", var->name,
                 secret ? "[redacted]" : value, why);
}

static const char *
s_value(const cb_config_var_t *var)
{
    const char *value = getenv(var->name);
    if (value == NULL || value[0] == '\0') {
        return var->def;
    }
    return value;
}

int
cb_config_validate(const cb_config_var_t *vars, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *value = getenv(vars[i].name);
        if (value == NULL || value[0] == '\0') {
            continue;
        }
        char why[128];
        if (cb_config_check(&vars[i], value, why, sizeof why) != 0) {
            s_report(&vars[i], value, why);
            return CB_E_CONFIG;
        }
    }
    return 0;
}

static int
s_lookup(const cb_config_var_t *vars, size_t count, const char *name,
         const cb_config_var_t **var, const char **value)
{
    *var = s_find(vars, count, name);
    if (*var == NULL) {
        cb_log_error("config_unknown", "variable=%s", name);
        return CB_E_CONFIG;
    }
    *value = s_value(*var);
    if (*value == NULL) {
        return CB_E_NOT_FOUND;
    }
    char why[128];
    if (cb_config_check(*var, *value, why, sizeof why) != 0) {
        s_report(*var, *value, why);
        return CB_E_CONFIG;
    }
    return 0;
}

int
cb_config_str(const cb_config_var_t *vars, size_t count, const char *name, const char **out)
{
    const cb_config_var_t *var;
    const char *value;
    int rc = s_lookup(vars, count, name, &var, &value);
    if (rc == CB_E_NOT_FOUND) {
        *out = NULL;
        return 0;
    }
    if (rc == 0) {
        *out = value;
    }
    return rc;
}

int
cb_config_int(const cb_config_var_t *vars, size_t count, const char *name, long *out)
{
    const cb_config_var_t *var;
    const char *value;
    int rc = s_lookup(vars, count, name, &var, &value);
    if (rc != 0) {
        return rc == CB_E_NOT_FOUND ? CB_E_CONFIG : rc;
    }
    return s_parse_long(value, out);
}

int
cb_config_bool(const cb_config_var_t *vars, size_t count, const char *name, bool *out)
{
    const cb_config_var_t *var;
    const char *value;
    int rc = s_lookup(vars, count, name, &var, &value);
    if (rc != 0) {
        return rc == CB_E_NOT_FOUND ? CB_E_CONFIG : rc;
    }
    return s_parse_bool(value, out);
}

void
cb_config_print_help(FILE *out, const char *usage, const cb_config_var_t *vars, size_t count)
{
    fprintf(out, "%s\n\nEnvironment variables:\n", usage);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "  %-32s %s\n  %-32s (default: %s)\n", vars[i].name, vars[i].help, "",
                vars[i].def != NULL ? vars[i].def : "unset");
    }
    fprintf(out, "\nOptions:\n  --help      this text\n  --version   print the version\n");
}

int
cb_config_init_log(const char *service, const cb_config_var_t *vars, size_t count)
{
    cb_log_init(service, CB_LOG_INFO, CB_LOG_TEXT);
    const char *level_text;
    const char *format_text;
    if (cb_config_str(vars, count, "COINBUS_LOG_LEVEL", &level_text) != 0 ||
        cb_config_str(vars, count, "COINBUS_LOG_FORMAT", &format_text) != 0) {
        return CB_E_CONFIG;
    }
    cb_log_level_t level = CB_LOG_INFO;
    cb_log_format_t format = CB_LOG_TEXT;
    cb_log_level_parse(level_text, &level);
    cb_log_format_parse(format_text, &format);
    cb_log_init(service, level, format);
    long slice_us = 0;
    if (s_find(vars, count, "COINBUS_SCHED_SLICE_US") != NULL &&
        cb_config_int(vars, count, "COINBUS_SCHED_SLICE_US", &slice_us) != 0) {
        return CB_E_CONFIG;
    }
    int rc = cb_sched_set_slice_us(slice_us);
    if (rc != 0) {
        cb_log_warn("sched_slice_refused", "call=sched_setattr slice_us=%ld error=\"%s\"", slice_us,
                    strerror(-rc));
    } else if (slice_us != 0) {
        cb_log_info("sched_slice", "slice_us=%ld", slice_us);
    }
    return 0;
}

int
cb_config_handle_args(int argc, char **argv, const char *usage, const cb_config_var_t *vars,
                      size_t count)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cb_config_print_help(stdout, usage, vars, count);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s %s\n", argv[0] != NULL ? argv[0] : "coinbus", CB_VERSION);
            return 0;
        }
        fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0], argv[i]);
        return 64;
    }
    return -1;
}
