/* cb_error.c - error code table lookups */
#include <stddef.h>
#include <string.h>

#include "cb_error.h"

typedef struct {
    int code;
    const char *wire;
    int http;
    const char *text;
} s_error_row_t;

static const s_error_row_t s_rows[] = {
#define CB_ERROR_ROW_(name, value, wire, http, text) {value, wire, http, text},
    CB_ERROR_MAP(CB_ERROR_ROW_)
#undef CB_ERROR_ROW_
};

static const s_error_row_t *
s_find(int code)
{
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++) {
        if (s_rows[i].code == code) {
            return &s_rows[i];
        }
    }
    return NULL;
}

const char *
cb_strerror(int code)
{
    if (code == 0) {
        return "success";
    }
    const s_error_row_t *row = s_find(code);
    if (row != NULL) {
        return row->text;
    }
    if (code < 0 && code > -4096) {
        return strerror(-code);
    }
    return "unknown error";
}

const char *
cb_error_wire_name(int code)
{
    const s_error_row_t *row = s_find(code);
    return row != NULL ? row->wire : "internal";
}

int
cb_error_http_status(int code)
{
    const s_error_row_t *row = s_find(code);
    return row != NULL ? row->http : 500;
}

int
cb_error_from_wire(const char *name, size_t len)
{
    /* Only the first ten rows are wire codes of their own. */
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++) {
        if (s_rows[i].code < CB_E_INTERNAL) {
            break;
        }
        if (strlen(s_rows[i].wire) == len && memcmp(s_rows[i].wire, name, len) == 0) {
            return s_rows[i].code;
        }
    }
    return CB_E_INTERNAL;
}

int
cb_error_selftest(void)
{
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++) {
        const char *w = s_rows[i].wire;
        int back = cb_error_from_wire(w, strlen(w));
        if (cb_error_wire_name(back) != w && strcmp(cb_error_wire_name(back), w) != 0) {
            return -1;
        }
    }
    return 0;
}
