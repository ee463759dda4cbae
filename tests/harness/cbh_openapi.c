/* cbh_openapi.c - test harness: a JSON answer checked against a schema of api-edge's www/openapi.json */
#include "cbh_openapi.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_jtok.h"

#define S_SPEC_PATH "services/api-edge/www/openapi.json"
#define S_PREFIX "#/components/schemas/"

static char *s_spec_text;
static cb_jdoc_t s_spec;
static int s_schemas = -1;

static int
s_load(void)
{
    if (s_schemas >= 0) {
        return 0;
    }
    FILE *f = fopen(S_SPEC_PATH, "r");
    if (f == NULL) {
        return -1;
    }
    size_t cap = 1 << 20;
    size_t n = 0;
    s_spec_text = malloc(cap);
    while (s_spec_text != NULL) {
        size_t got = fread(s_spec_text + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n < cap) {
            break;
        }
        char *bigger = realloc(s_spec_text, cap * 2);
        if (bigger == NULL) {
            free(s_spec_text);
            s_spec_text = NULL;
        }
        s_spec_text = bigger;
        cap *= 2;
    }
    fclose(f);
    cb_jdoc_init(&s_spec);
    if (s_spec_text == NULL || cb_jdoc_parse(&s_spec, s_spec_text, n) != 0) {
        return -1;
    }
    s_schemas = cb_jtok_get(&s_spec, cb_jtok_get(&s_spec, 0, "components"), "schemas");
    return s_schemas >= 0 ? 0 : -1;
}

static int
s_fail(char *err, size_t errsize, const char *path, const char *what)
{
    snprintf(err, errsize, "%s: %s", path[0] != '\0' ? path : "(root)", what);
    return -1;
}

/* The schema token of the component named by len bytes of name; -1 if none. */
static int
s_component(const char *name, size_t len)
{
    char key[128];
    if (len >= sizeof key) {
        return -1;
    }
    memcpy(key, name, len);
    key[len] = '\0';
    return cb_jtok_get(&s_spec, s_schemas, key);
}

/* Follows $ref chains from schema token si. */
static int
s_resolve(int si)
{
    for (int hops = 0; si >= 0 && hops < 8; hops++) {
        cb_str_t ref = cb_jtok_raw(&s_spec, cb_jtok_get(&s_spec, si, "$ref"));
        if (ref.ptr == NULL) {
            return si;
        }
        size_t plen = strlen(S_PREFIX);
        if (ref.len <= plen || memcmp(ref.ptr, S_PREFIX, plen) != 0) {
            return -1;
        }
        si = s_component(ref.ptr + plen, ref.len - plen);
    }
    return -1;
}

/* True when the string token di equals one of the enum's strings (or no enum). */
static bool
s_enum_ok(int si, const cb_jdoc_t *doc, int di)
{
    int en = cb_jtok_get(&s_spec, si, "enum");
    if (en < 0) {
        return true;
    }
    cb_str_t v = cb_jtok_raw(doc, di);
    for (int k = 0; k < cb_jtok_size(&s_spec, en); k++) {
        cb_str_t e = cb_jtok_raw(&s_spec, cb_jtok_at(&s_spec, en, k));
        if (e.len == v.len && memcmp(e.ptr, v.ptr, v.len) == 0) {
            return true;
        }
    }
    return false;
}

static int s_check(int si, const cb_jdoc_t *doc, int di, char *path, size_t pathsize, char *err,
                   size_t errsize);

static int
s_check_object(int si, const cb_jdoc_t *doc, int di, char *path, size_t pathsize, char *err,
               size_t errsize)
{
    if (cb_jtok_type(doc, di) != CB_JT_OBJECT) {
        return s_fail(err, errsize, path, "not an object");
    }
    int req = cb_jtok_get(&s_spec, si, "required");
    for (int k = 0; k < cb_jtok_size(&s_spec, req); k++) {
        char name[128];
        if (cb_jtok_string(&s_spec, cb_jtok_at(&s_spec, req, k), name, sizeof name) < 0 ||
            cb_jtok_get(doc, di, name) < 0) {
            char what[160];
            snprintf(what, sizeof what, "required member %s missing", name);
            return s_fail(err, errsize, path, what);
        }
    }
    int props = cb_jtok_get(&s_spec, si, "properties");
    size_t at = strlen(path);
    int key = cb_jtok_first(doc, di);
    for (int m = 0; m < cb_jtok_size(doc, di); m++) {
        char name[128];
        if (cb_jtok_string(doc, key, name, sizeof name) < 0) {
            return s_fail(err, errsize, path, "member name");
        }
        snprintf(path + at, pathsize - at, ".%s", name);
        int ps = cb_jtok_get(&s_spec, props, name);
        if (ps < 0) {
            return s_fail(err, errsize, path, "member the schema does not name");
        }
        if (s_check(ps, doc, key + 1, path, pathsize, err, errsize) != 0) {
            return -1;
        }
        path[at] = '\0';
        key = cb_jtok_skip(doc, key + 1);
    }
    return 0;
}

static int
s_check(int si, const cb_jdoc_t *doc, int di, char *path, size_t pathsize, char *err,
        size_t errsize)
{
    si = s_resolve(si);
    if (si < 0) {
        return s_fail(err, errsize, path, "unresolvable $ref in the spec");
    }
    int type = cb_jtok_get(&s_spec, si, "type");
    cb_jtype_t jt = cb_jtok_type(doc, di);
    if (cb_jtok_eq(&s_spec, type, "object")) {
        return s_check_object(si, doc, di, path, pathsize, err, errsize);
    }
    if (cb_jtok_eq(&s_spec, type, "array")) {
        if (jt != CB_JT_ARRAY) {
            return s_fail(err, errsize, path, "not an array");
        }
        size_t at = strlen(path);
        int items = cb_jtok_get(&s_spec, si, "items");
        int e = cb_jtok_first(doc, di);
        for (int k = 0; k < cb_jtok_size(doc, di); k++) {
            snprintf(path + at, pathsize - at, "[%d]", k);
            if (s_check(items, doc, e, path, pathsize, err, errsize) != 0) {
                return -1;
            }
            e = cb_jtok_skip(doc, e);
        }
        path[at] = '\0';
        return 0;
    }
    if (cb_jtok_eq(&s_spec, type, "string")) {
        int64_t ns;
        if (jt != CB_JT_STRING || !s_enum_ok(si, doc, di)) {
            return s_fail(err, errsize, path, "not a string of the schema's enum");
        }
        if (cb_jtok_eq(&s_spec, cb_jtok_get(&s_spec, si, "format"), "date-time") &&
            cb_jtok_rfc3339(doc, di, &ns) != 0) {
            return s_fail(err, errsize, path, "not an RFC 3339 date-time");
        }
        return 0;
    }
    if (cb_jtok_eq(&s_spec, type, "number")) {
        cb_decimal_t d;
        return jt == CB_JT_PRIMITIVE && cb_jtok_decimal(doc, di, &d) == 0
                   ? 0
                   : s_fail(err, errsize, path, "not a JSON number that reads as a decimal");
    }
    if (cb_jtok_eq(&s_spec, type, "integer")) {
        int64_t v;
        return jt == CB_JT_PRIMITIVE && cb_jtok_i64(doc, di, &v) == 0
                   ? 0
                   : s_fail(err, errsize, path, "not an integer");
    }
    if (cb_jtok_eq(&s_spec, type, "boolean")) {
        bool b;
        return cb_jtok_bool(doc, di, &b) == 0 ? 0 : s_fail(err, errsize, path, "not a boolean");
    }
    return s_fail(err, errsize, path, "a schema type this checker does not know");
}

int
cbh_openapi_check(const char *schema, const char *json, size_t len, char *err, size_t errsize)
{
    char path[512] = "";
    if (s_load() != 0) {
        return s_fail(err, errsize, path, "cannot read " S_SPEC_PATH);
    }
    int si = cb_jtok_get(&s_spec, s_schemas, schema);
    if (si < 0) {
        return s_fail(err, errsize, schema, "no such schema");
    }
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int rc = cb_jdoc_parse(&doc, json, len) != 0
                 ? s_fail(err, errsize, path, "not JSON")
                 : s_check(si, &doc, 0, path, sizeof path, err, errsize);
    cb_jdoc_fini(&doc);
    return rc;
}
