/* cb_proto.c - descriptors and the schema-driven msgpack decoder for proto/cb_proto.def */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_proto_impl.h"
#include "cb_utf8.h"

/* ---- descriptor tables, derived from the rows --------------------------- */

#define S_REQUIRED_REQ true
#define S_REQUIRED_OPT false
#define S_FIELD_(m, name, type, presence, limit, choices)                       \
    {#name, sizeof(#name) - 1, CB_PT_##type, S_REQUIRED_##presence, limit, choices,            \
     offsetof(cb_##m##_t, name)},
#define S_SCHEMA_(m, ROWS)                                                      \
    static const cb_proto_field_t s_fields_##m[] = {ROWS(S_FIELD_, m)};         \
    _Static_assert(CB_F_##m##_COUNT_ <= 64, "a schema has at most 64 fields");  \
    const cb_proto_schema_t cb_proto_schema_##m = {                             \
        #m, s_fields_##m, sizeof s_fields_##m / sizeof s_fields_##m[0], sizeof(cb_##m##_t)};
CB_PROTO_SCHEMAS(S_SCHEMA_)
#undef S_SCHEMA_
#undef S_FIELD_

#define S_KIND_NAME_(m, ROWS) #m,
static const char *const s_kind_names[] = {CB_PROTO_KINDS(S_KIND_NAME_)};
#undef S_KIND_NAME_
#define S_KIND_SCHEMA_(m, ROWS) &cb_proto_schema_##m,
static const cb_proto_schema_t *const s_kind_schemas[] = {CB_PROTO_KINDS(S_KIND_SCHEMA_)};
#undef S_KIND_SCHEMA_

/* ---- errors ------------------------------------------------------------- */

int
cb_proto_fail(cb_proto_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return CB_E_BAD_REQUEST;
}

/* ---- grammars ----------------------------------------------------------- */

/* Character classes for the grammars, one table lookup per byte. */
enum { S_UPPER_DIGIT = 1, S_LOWER_DIGIT = 2, S_NAME_PUNCT = 4 };

static const uint8_t s_class[256] = {
    ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3,
    ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
    ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2, ['g'] = 2,
    ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2, ['l'] = 2, ['m'] = 2, ['n'] = 2,
    ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2, ['s'] = 2, ['t'] = 2, ['u'] = 2,
    ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2,
    ['_'] = 4, ['-'] = 4, ['.'] = 4,
};

bool
cb_proto_symbol_valid(const char *text, size_t len)
{
    /* BASE-QUOTE, each part [A-Z0-9]{1,16}. */
    size_t dash = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c == '-' && dash == len) {
            dash = i;
        } else if (!(s_class[c] & S_UPPER_DIGIT)) {
            return false;
        }
    }
    return dash >= 1 && dash <= 16 && len - dash - 1 >= 1 && len - dash - 1 <= 16;
}

bool
cb_proto_asset_valid(const char *text, size_t len)
{
    if (len == 0 || len > 16) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!(s_class[(unsigned char) text[i]] & S_UPPER_DIGIT)) {
            return false;
        }
    }
    return true;
}

bool
cb_proto_name_valid(const char *text, size_t len, size_t limit)
{
    if (len == 0 || (limit != 0 && len > limit) || !(s_class[(unsigned char) text[0]] & S_LOWER_DIGIT)) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!(s_class[(unsigned char) text[i]] & (S_LOWER_DIGIT | S_NAME_PUNCT))) {
            return false;
        }
    }
    return true;
}

bool
cb_proto_enum_valid(const char *choices, const char *text, size_t len)
{
    const char *p = choices;
    while (p != NULL && *p != '\0') {
        const char *bar = strchr(p, '|');
        size_t n = bar != NULL ? (size_t) (bar - p) : strlen(p);
        if (n == len && memcmp(p, text, len) == 0) {
            return true;
        }
        p = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

/* ---- decoding ----------------------------------------------------------- */

typedef struct s_ops s_ops_t;

typedef struct {
    const cb_proto_schema_t *schema;
    const s_ops_t *ops;
    char *msg;
    uint64_t seen;
} s_part_t;

static int
s_decode_decimal(cb_mp_reader_t *r, cb_decimal_t *out)
{
    const char *text;
    size_t len;
    if (cb_mp_read_str(r, &text, &len) == 0) {
        return cb_decimal_parse(text, len, out) == 0 ? 0 : CB_E_PARSE;
    }
    cb_mp_type_t type = cb_mp_peek(r);
    int64_t i;
    if ((type == CB_MP_UINT || type == CB_MP_INT) && cb_mp_read_int(r, &i) == 0) {
        *out = cb_decimal_from_int(i);
        return 0;
    }
    return CB_E_PARSE;
}

static int
s_decode_levels(cb_mp_reader_t *r, const cb_proto_field_t *f, cb_levels_t *out,
                cb_proto_err_t *err)
{
    uint32_t count;
    if (cb_mp_read_array(r, &count) != 0) {
        return cb_proto_fail(err, "field '%s': expected an array of [price, amount]", f->name);
    }
    if (count > f->limit) {
        return cb_proto_fail(err, "field '%s': more than %u levels", f->name, (unsigned) f->limit);
    }
    if (count == 0) {
        return 0;
    }
    cb_level_t *items = calloc(count, sizeof *items);
    if (items == NULL) {
        return cb_proto_fail(err, "field '%s': out of memory", f->name);
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t pair;
        if (cb_mp_read_array(r, &pair) != 0 || pair != 2 ||
            s_decode_decimal(r, &items[i].price) != 0 || s_decode_decimal(r, &items[i].qty) != 0) {
            free(items);
            return cb_proto_fail(err, "field '%s': level %u is not a [price, amount] pair of decimals",
                          f->name, (unsigned) i);
        }
    }
    out->items = items;
    out->count = count;
    return 0;
}

/* The value of field f, of type (a constant at every call: each generated
 * case below inlines only its own branch). */
static inline __attribute__((always_inline)) int
s_decode_value(cb_mp_reader_t *r, const cb_proto_field_t *f, cb_proto_type_t type, char *slot,
               cb_proto_err_t *err)
{
    cb_str_t s;
    switch (type) {
    case CB_PT_STR:
    case CB_PT_NAME:
    case CB_PT_SYMBOL:
    case CB_PT_ASSET:
    case CB_PT_ENUM:
        if (cb_mp_read_str(r, &s.ptr, &s.len) != 0) {
            return cb_proto_fail(err, "field '%s': expected a string", f->name);
        }
        if (type == CB_PT_STR && (s.len > f->limit || !cb_utf8_valid(s.ptr, s.len))) {
            return cb_proto_fail(err, "field '%s': not UTF-8 text of at most %u bytes", f->name,
                          (unsigned) f->limit);
        }
        if (type == CB_PT_NAME && !cb_proto_name_valid(s.ptr, s.len, f->limit)) {
            return cb_proto_fail(err, "field '%s': expected a lower-case name [a-z0-9_.-] of at most %u bytes",
                          f->name, (unsigned) f->limit);
        }
        if (type == CB_PT_SYMBOL && !cb_proto_symbol_valid(s.ptr, s.len)) {
            return cb_proto_fail(err, "field '%s': expected a symbol BASE-QUOTE such as BTC-USD",
                          f->name);
        }
        if (type == CB_PT_ASSET && !cb_proto_asset_valid(s.ptr, s.len)) {
            return cb_proto_fail(err, "field '%s': expected an asset [A-Z0-9]{1,16} such as BTC",
                          f->name);
        }
        if (type == CB_PT_ENUM && !cb_proto_enum_valid(f->choices, s.ptr, s.len)) {
            return cb_proto_fail(err, "field '%s': expected one of %s", f->name, f->choices);
        }
        memcpy(slot, &s, sizeof s);
        return 0;
    case CB_PT_DEC:
        if (s_decode_decimal(r, (cb_decimal_t *) (void *) slot) != 0) {
            return cb_proto_fail(err, "field '%s': expected a decimal string such as \"50000.1\"",
                          f->name);
        }
        return 0;
    case CB_PT_I64:
        if (cb_mp_read_int(r, (int64_t *) (void *) slot) != 0) {
            return cb_proto_fail(err, "field '%s': expected a signed 64-bit integer", f->name);
        }
        return 0;
    case CB_PT_U64:
        if (cb_mp_read_uint(r, (uint64_t *) (void *) slot) != 0) {
            return cb_proto_fail(err, "field '%s': expected an unsigned 64-bit integer", f->name);
        }
        return 0;
    case CB_PT_BOOL:
        if (cb_mp_read_bool(r, (bool *) (void *) slot) != 0) {
            return cb_proto_fail(err, "field '%s': expected true or false", f->name);
        }
        return 0;
    case CB_PT_LEVELS:
        return s_decode_levels(r, f, (cb_levels_t *) (void *) slot, err);
    case CB_PT_RAW: {
        cb_raw_t raw;
        if (cb_mp_skip(r, &raw.ptr, &raw.len) != 0) {
            return cb_proto_fail(err, "field '%s': malformed or too deeply nested value", f->name);
        }
        memcpy(slot, &raw, sizeof raw);
        return 0;
    }
    }
    return cb_proto_fail(err, "field '%s': unknown type", f->name);
}

/* Per schema, expanded from its rows: s_value_NAME decodes the value of
 * field index (one case per field, with the decoder of its type inlined);
 * s_is_NAME tells whether key names field index and s_find_NAME which field
 * key names (-1: none), comparing with constant-length memcmp (a load or two
 * per key, no loop). */
struct s_ops {
    int (*fast)(cb_mp_reader_t *r, uint32_t *k, uint32_t n, char *msg, uint64_t *seen,
                cb_proto_err_t *err);
    int (*value)(cb_mp_reader_t *r, size_t index, char *msg, cb_proto_err_t *err);
    bool (*is)(size_t index, const char *key, size_t len);
    int (*find)(const char *key, size_t len);
    uint64_t required;
};

/* True (and the key consumed) when the next value is the fixstr key name. */
static inline bool
s_next_key_is(cb_mp_reader_t *r, const char *name, size_t len)
{
    if ((size_t) (r->end - r->pos) <= len || *r->pos != (uint8_t) (0xa0 | len) ||
        memcmp(r->pos + 1, name, len) != 0) {
        return false;
    }
    r->pos += 1 + len;
    return true;
}

#define S_VALUE_CASE_(m, name, type, presence, limit, choices)                  \
    case CB_F_##m##_##name:                                                     \
        return s_decode_value(r, &s_fields_##m[CB_F_##m##_##name], CB_PT_##type, \
                              (char *) &((cb_##m##_t *) (void *) msg)->name, err);
#define S_KEY_IS_(name) (len == sizeof(#name) - 1 && memcmp(key, #name, sizeof(#name) - 1) == 0)
#define S_IS_CASE_(m, name, type, presence, limit, choices)                     \
    case CB_F_##m##_##name:                                                     \
        return S_KEY_IS_(name);
#define S_FIND_(m, name, type, presence, limit, choices)                        \
    if (S_KEY_IS_(name)) {                                                      \
        return CB_F_##m##_##name;                                               \
    }
/* The fast path: what our encoders write, the present fields in schema
 * order, is taken field by field in straight-line code (the next key compared
 * with each field's key bytes in turn, the value decoded by its typed
 * decoder); it stops at the first key out of that order and leaves the rest
 * of the map to the general loop, with the fields seen so far. */
#define S_FAST_(m, name, type, presence, limit, choices)                        \
    if (*k < n && s_next_key_is(r, #name, sizeof(#name) - 1)) {                 \
        *k += 1;                                                                \
        *seen |= (uint64_t) 1 << CB_F_##m##_##name;                             \
        if (r->pos < r->end && *r->pos == 0xc0) {                               \
            r->pos++;                                                           \
        } else {                                                                \
            int rc = s_decode_value(r, &s_fields_##m[CB_F_##m##_##name], CB_PT_##type, \
                                    (char *) &msg->name, err);                  \
            if (rc != 0) {                                                      \
                return rc;                                                      \
            }                                                                   \
            msg->present |= (uint64_t) 1 << CB_F_##m##_##name;                  \
        }                                                                       \
    }
#define S_REQ_BIT_(m, name, type, presence, limit, choices)                     \
    | ((uint64_t) S_REQUIRED_##presence << CB_F_##m##_##name)
#define S_OPS_(m, ROWS)                                                         \
    static int s_fast_##m(cb_mp_reader_t *r, uint32_t *k, uint32_t n, char *msgp, \
                          uint64_t *seen, cb_proto_err_t *err)                  \
    {                                                                           \
        cb_##m##_t *msg = (cb_##m##_t *) (void *) msgp;                         \
        ROWS(S_FAST_, m)                                                        \
        return 0;                                                               \
    }                                                                           \
    static int s_value_##m(cb_mp_reader_t *r, size_t index, char *msg, cb_proto_err_t *err) \
    {                                                                           \
        switch (index) { ROWS(S_VALUE_CASE_, m) }                               \
        return cb_proto_fail(err, "unknown field");                             \
    }                                                                           \
    static bool s_is_##m(size_t index, const char *key, size_t len)             \
    {                                                                           \
        switch (index) { ROWS(S_IS_CASE_, m) }                                  \
        return false;                                                           \
    }                                                                           \
    static int s_find_##m(const char *key, size_t len)                          \
    {                                                                           \
        ROWS(S_FIND_, m)                                                        \
        return -1;                                                              \
    }                                                                           \
    static const s_ops_t s_ops_##m = {s_fast_##m, s_value_##m, s_is_##m, s_find_##m,      \
                                      0 ROWS(S_REQ_BIT_, m)};
CB_PROTO_SCHEMAS(S_OPS_)
#undef S_OPS_
#undef S_REQ_BIT_
#undef S_FAST_
#undef S_FIND_
#undef S_IS_CASE_
#undef S_KEY_IS_
#undef S_VALUE_CASE_

static const s_ops_t *
s_ops(const cb_proto_schema_t *schema)
{
#define S_OPS_OF_(m, ROWS)                                                      \
    if (schema == &cb_proto_schema_##m) {                                       \
        return &s_ops_##m;                                                      \
    }
    CB_PROTO_SCHEMAS(S_OPS_OF_)
#undef S_OPS_OF_
    return NULL;
}

/* Finds the field named key. Encoders write fields in schema order, so the
 * field after the previous match (*hint_part, *hint_index) is tried first. */
static bool
s_find_field(s_part_t *parts, size_t nparts, const char *key, size_t len, size_t *hint_part,
             size_t *hint_index, s_part_t **part, size_t *index)
{
    if (*hint_part < nparts && *hint_index < parts[*hint_part].schema->count &&
        parts[*hint_part].ops->is(*hint_index, key, len)) {
        *part = &parts[*hint_part];
        *index = *hint_index;
        goto found;
    }
    for (size_t p = 0; p < nparts; p++) {
        int i = parts[p].ops->find(key, len);
        if (i >= 0) {
            *part = &parts[p];
            *index = (size_t) i;
            goto found;
        }
    }
    return false;
found:
    *hint_part = (size_t) (*part - parts);
    *hint_index = *index + 1;
    if (*hint_index >= (*part)->schema->count) {
        *hint_part += 1;
        *hint_index = 0;
    }
    return true;
}

static int
s_decode_parts(s_part_t *parts, size_t nparts, const void *data, size_t len, cb_proto_err_t *err)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    uint32_t n;
    if (cb_mp_read_map(&r, &n) != 0) {
        return cb_proto_fail(err, "expected a msgpack map");
    }
    uint32_t k = 0;
    for (size_t p = 0; p < nparts; p++) {
        int rc = parts[p].ops->fast(&r, &k, n, parts[p].msg, &parts[p].seen, err);
        if (rc != 0) {
            return rc;
        }
    }
    size_t hint_part = 0;
    size_t hint_index = 0;
    for (; k < n; k++) {
        const char *key;
        size_t keylen;
        if (cb_mp_read_str(&r, &key, &keylen) != 0) {
            return cb_proto_fail(err, cb_mp_at_end(&r) ? "message truncated" : "map keys must be strings");
        }
        s_part_t *part;
        size_t index;
        if (!s_find_field(parts, nparts, key, keylen, &hint_part, &hint_index, &part, &index)) {
            if (cb_mp_skip(&r, NULL, NULL) != 0) {
                return cb_proto_fail(err, "malformed value for an unknown field");
            }
            continue;
        }
        const cb_proto_field_t *f = &part->schema->fields[index];
        uint64_t bit = (uint64_t) 1 << index;
        if (part->seen & bit) {
            return cb_proto_fail(err, "field '%s' appears twice", f->name);
        }
        part->seen |= bit;
        if (r.pos < r.end && *r.pos == 0xc0) {
            r.pos++; /* nil: the field is absent */
            continue;
        }
        int rc = part->ops->value(&r, index, part->msg, err);
        if (rc != 0) {
            return rc;
        }
        uint64_t *present = (uint64_t *) (void *) part->msg;
        *present |= bit;
    }
    if (!cb_mp_at_end(&r)) {
        return cb_proto_fail(err, "trailing bytes after the message");
    }
    for (size_t p = 0; p < nparts; p++) {
        uint64_t present = *(uint64_t *) (void *) parts[p].msg;
        uint64_t missing = parts[p].ops->required & ~present;
        if (missing != 0) {
            return cb_proto_fail(err, "missing field '%s'",
                                 parts[p].schema->fields[__builtin_ctzll(missing)].name);
        }
    }
    return 0;
}

static void
s_zero(const cb_proto_schema_t *schema, char *msg)
{
    memset(msg, 0, schema->size);
}

int
cb_proto_decode(const cb_proto_schema_t *schema, const void *data, size_t len, void *msg,
                cb_proto_err_t *err)
{
    s_zero(schema, msg);
    s_part_t part = {schema, s_ops(schema), msg, 0};
    if (part.ops == NULL) {
        return cb_proto_fail(err, "unknown schema");
    }
    return s_decode_parts(&part, 1, data, len, err);
}

void
cb_proto_clear(const cb_proto_schema_t *schema, void *msg)
{
    char *base = msg;
    for (size_t i = 0; i < schema->count; i++) {
        const cb_proto_field_t *f = &schema->fields[i];
        if (f->type == CB_PT_LEVELS) {
            cb_levels_t *levels = (cb_levels_t *) (void *) (base + f->offset);
            free(levels->items);
            levels->items = NULL;
            levels->count = 0;
        }
    }
}

/* ---- events ------------------------------------------------------------- */

const char *
cb_kind_name(cb_kind_t kind)
{
    return (unsigned) kind < CB_KIND_COUNT ? s_kind_names[kind] : NULL;
}

int
cb_kind_from_name(const char *text, size_t len, cb_kind_t *kind)
{
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        if (strlen(s_kind_names[k]) == len && memcmp(s_kind_names[k], text, len) == 0) {
            *kind = (cb_kind_t) k;
            return 0;
        }
    }
    return CB_E_NOT_FOUND;
}

const cb_proto_schema_t *
cb_kind_schema(cb_kind_t kind)
{
    return (unsigned) kind < CB_KIND_COUNT ? s_kind_schemas[kind] : NULL;
}

int
cb_event_decode(cb_kind_t kind, const void *data, size_t len, cb_event_t *ev,
                cb_proto_err_t *err)
{
    const cb_proto_schema_t *body = cb_kind_schema(kind);
    ev->kind = kind;
    if (body == NULL) {
        return cb_proto_fail(err, "unknown message kind %d", (int) kind);
    }
    s_zero(&cb_proto_schema_envelope, (char *) &ev->env);
    s_zero(body, (char *) &ev->body);
#define S_KIND_OPS_(m, ROWS) &s_ops_##m,
    static const s_ops_t *const kind_ops[] = {CB_PROTO_KINDS(S_KIND_OPS_)};
#undef S_KIND_OPS_
    s_part_t parts[2] = {{&cb_proto_schema_envelope, &s_ops_envelope, (char *) &ev->env, 0},
                         {body, kind_ops[kind], (char *) &ev->body, 0}};
    int rc = s_decode_parts(parts, 2, data, len, err);
    if (rc == 0 && ev->env.v != CB_PROTO_VERSION) {
        return cb_proto_fail(err, "unsupported schema version %llu (this build speaks %d)",
                      (unsigned long long) ev->env.v, CB_PROTO_VERSION);
    }
    return rc;
}

void
cb_event_clear(cb_event_t *ev)
{
    const cb_proto_schema_t *body = cb_kind_schema(ev->kind);
    if (body != NULL) {
        cb_proto_clear(body, &ev->body);
    }
}
