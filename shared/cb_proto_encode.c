/* cb_proto_encode.c - msgpack encoders generated from proto/cb_proto.def, one straight-line function per message */
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_proto_impl.h"
#include "cb_utf8.h"

/* Publishing is the hot path of every feed: each message kind gets its own
 * encoder, expanded from its rows, so that a field costs a presence bit test,
 * its key written as constant bytes (every key is a fixstr) and a call typed
 * for its value, instead of a walk over descriptors with a switch per field.
 * The checks are the same for every field as in the decoder. */

/* Room reserved before each key: the key (at most 31 bytes plus its header)
 * and any fixed-size value (a decimal string with its 2-byte header and the
 * NUL that cb_decimal_format writes, or an integer). */
#define S_ROOM (32 + 2 + CB_DECIMAL_STR_MAX)

static int
s_nomem(cb_proto_err_t *err)
{
    return cb_proto_fail(err, "out of memory");
}

/* One string field of grammar type (constant at every call, so the branch
 * folds): checked as the decoder checks it, then written. */
static inline int
s_put_string(cb_buf_t *out, const cb_str_t *s, cb_proto_type_t type, const cb_proto_field_t *f,
             cb_proto_err_t *err)
{
    if (s->ptr == NULL && s->len != 0) {
        return cb_proto_fail(err, "field '%s': NULL string", f->name);
    }
    bool ok;
    switch (type) {
    case CB_PT_NAME:
        ok = cb_proto_name_valid(s->ptr, s->len, f->limit);
        break;
    case CB_PT_SYMBOL:
        ok = cb_proto_symbol_valid(s->ptr, s->len);
        break;
    case CB_PT_ASSET:
        ok = cb_proto_asset_valid(s->ptr, s->len);
        break;
    case CB_PT_ENUM:
        ok = cb_proto_enum_valid(f->choices, s->ptr, s->len);
        break;
    default:
        ok = s->len <= f->limit && cb_utf8_valid(s->ptr, s->len);
        break;
    }
    if (!ok) {
        return cb_proto_fail(err, "field '%s': invalid value '%.*s'", f->name,
                             (int) (s->len > 64 ? 64 : s->len), s->ptr != NULL ? s->ptr : "");
    }
    if (s->len > UINT32_MAX || cb_buf_reserve(out, 5 + s->len) != 0) {
        return s_nomem(err);
    }
    cb_mp_put_str(out, s->ptr, s->len);
    return 0;
}

/* A decimal in canonical form, formatted straight into the buffer after a
 * one-byte fixstr header (all but numbers of over 31 characters, which move
 * one byte up under a str8 header); room for 2 + CB_DECIMAL_STR_MAX is
 * reserved. */
static inline int
s_put_decimal(cb_buf_t *out, cb_decimal_t d)
{
    char *p = out->data + out->len;
    int n = cb_decimal_format(d, p + 1, CB_DECIMAL_STR_MAX);
    if (n < 0) {
        return n;
    }
    if (n <= 31) {
        p[0] = (char) (0xa0 | n);
        out->len += 1 + (size_t) n;
    } else {
        memmove(p + 2, p + 1, (size_t) n);
        p[0] = (char) 0xd9;
        p[1] = (char) n;
        out->len += 2 + (size_t) n;
    }
    return 0;
}

static int
s_put_levels(cb_buf_t *out, const cb_levels_t *levels, const cb_proto_field_t *f,
             cb_proto_err_t *err)
{
    if (levels->count > f->limit || (levels->count > 0 && levels->items == NULL)) {
        return cb_proto_fail(err, "field '%s': more than %u levels", f->name, (unsigned) f->limit);
    }
    if (cb_mp_write_array(out, levels->count) != 0) {
        return s_nomem(err);
    }
    for (uint32_t i = 0; i < levels->count; i++) {
        if (cb_buf_reserve(out, 1 + 2 * (2 + CB_DECIMAL_STR_MAX)) != 0) {
            return s_nomem(err);
        }
        out->data[out->len++] = (char) 0x92; /* fixarray of 2 */
        if (s_put_decimal(out, levels->items[i].price) != 0 ||
            s_put_decimal(out, levels->items[i].qty) != 0) {
            return cb_proto_fail(err, "field '%s': decimal out of range", f->name);
        }
    }
    return 0;
}

static int
s_put_raw(cb_buf_t *out, const cb_raw_t *raw, const cb_proto_field_t *f, cb_proto_err_t *err)
{
    cb_mp_reader_t r;
    size_t used = 0;
    cb_mp_reader_init(&r, raw->ptr, raw->len);
    if (raw->ptr == NULL || cb_mp_skip(&r, NULL, &used) != 0 || used != raw->len) {
        return cb_proto_fail(err, "field '%s': not exactly one msgpack value", f->name);
    }
    return cb_buf_append(out, raw->ptr, raw->len) == 0 ? 0 : s_nomem(err);
}

/* One value per type; F is the field's descriptor, V its member. */
#define S_PUT_STR(out, V, F, err) s_put_string(out, &(V), CB_PT_STR, F, err)
#define S_PUT_NAME(out, V, F, err) s_put_string(out, &(V), CB_PT_NAME, F, err)
#define S_PUT_SYMBOL(out, V, F, err) s_put_string(out, &(V), CB_PT_SYMBOL, F, err)
#define S_PUT_ASSET(out, V, F, err) s_put_string(out, &(V), CB_PT_ASSET, F, err)
#define S_PUT_ENUM(out, V, F, err) s_put_string(out, &(V), CB_PT_ENUM, F, err)
#define S_PUT_DEC(out, V, F, err)                                                           \
    (s_put_decimal(out, V) == 0 ? 0                                                         \
                                : cb_proto_fail(err, "field '%s': decimal out of range", (F)->name))
#define S_PUT_I64(out, V, F, err) (cb_mp_write_int(out, V) == 0 ? 0 : s_nomem(err))
#define S_PUT_U64(out, V, F, err) (cb_mp_write_uint(out, V) == 0 ? 0 : s_nomem(err))
#define S_PUT_BOOL(out, V, F, err) (cb_mp_write_bool(out, V) == 0 ? 0 : s_nomem(err))
#define S_PUT_LEVELS(out, V, F, err) s_put_levels(out, &(V), F, err)
#define S_PUT_RAW(out, V, F, err) s_put_raw(out, &(V), F, err)

/* The bits of a schema's fields, and of its required ones. */
#define S_REQUIRED_REQ 1u
#define S_REQUIRED_OPT 0u
#define S_ALL_BIT_(m, name, type, presence, limit, choices) | ((uint64_t) 1 << CB_F_##m##_##name)
#define S_REQ_BIT_(m, name, type, presence, limit, choices)                                 \
    | ((uint64_t) S_REQUIRED_##presence << CB_F_##m##_##name)

/* Key and value of one present field. */
#define S_FIELD_(m, name, type, presence, limit, choices)                                   \
    if ((present >> CB_F_##m##_##name) & 1u) {                                             \
        _Static_assert(sizeof(#name) - 1 <= 31, "keys are fixstr");                        \
        if (cb_buf_reserve(out, S_ROOM) != 0) {                                             \
            return s_nomem(err);                                                            \
        }                                                                                   \
        out->data[out->len] = (char) (0xa0 | (sizeof(#name) - 1));                         \
        memcpy(out->data + out->len + 1, #name, sizeof(#name) - 1);                        \
        out->len += sizeof(#name);                                                          \
        int rc = S_PUT_##type(out, msg->name, &cb_proto_schema_##m.fields[CB_F_##m##_##name], \
                              err);                                                         \
        if (rc != 0) {                                                                      \
            return rc;                                                                      \
        }                                                                                   \
    }

/* Per schema: its masks, and s_fields_NAME, which writes the present fields
 * (no map header) in schema order. */
#define S_SCHEMA_(m, ROWS)                                                                  \
    static const uint64_t s_all_##m = 0 ROWS(S_ALL_BIT_, m);                                \
    static const uint64_t s_required_##m = 0 ROWS(S_REQ_BIT_, m);                           \
    static int s_fields_##m(const cb_##m##_t *msg, cb_buf_t *out, cb_proto_err_t *err)      \
    {                                                                                       \
        uint64_t present = msg->present;                                                    \
        ROWS(S_FIELD_, m)                                                                   \
        out->data[out->len] = '\0';                                                         \
        return 0;                                                                           \
    }
CB_PROTO_SCHEMAS(S_SCHEMA_)
#undef S_SCHEMA_
#undef S_FIELD_

/* CB_E_BAD_REQUEST naming the first required field missing from present. */
static int
s_missing(const cb_proto_schema_t *schema, uint64_t required, uint64_t present,
          cb_proto_err_t *err)
{
    unsigned i = (unsigned) __builtin_ctzll(required & ~present);
    return cb_proto_fail(err, "missing field '%s'", schema->fields[i].name);
}

static int
s_map(cb_buf_t *out, uint64_t present_a, uint64_t present_b, cb_proto_err_t *err)
{
    uint32_t count = (uint32_t) (__builtin_popcountll(present_a) + __builtin_popcountll(present_b));
    return cb_mp_write_map(out, count) == 0 ? 0 : s_nomem(err);
}

int
cb_proto_encode(const cb_proto_schema_t *schema, const void *msg, cb_buf_t *out,
                cb_proto_err_t *err)
{
    uint64_t present;
    memcpy(&present, msg, sizeof present);
#define S_ONE_(m, ROWS)                                                                     \
    if (schema == &cb_proto_schema_##m) {                                                   \
        if ((present & s_required_##m) != s_required_##m) {                                 \
            return s_missing(schema, s_required_##m, present, err);                         \
        }                                                                                   \
        int rc = s_map(out, present & s_all_##m, 0, err);                                   \
        return rc != 0 ? rc : s_fields_##m(msg, out, err);                                  \
    }
    CB_PROTO_SCHEMAS(S_ONE_)
#undef S_ONE_
    return cb_proto_fail(err, "unknown schema");
}

int
cb_event_encode(const cb_event_t *ev, cb_buf_t *out, cb_proto_err_t *err)
{
    if ((unsigned) ev->kind >= CB_KIND_COUNT) {
        return cb_proto_fail(err, "unknown message kind %d", (int) ev->kind);
    }
    uint64_t env = ev->env.present;
    if ((env & s_required_envelope) != s_required_envelope) {
        return s_missing(&cb_proto_schema_envelope, s_required_envelope, env, err);
    }
    switch (ev->kind) {
#define S_KIND_(m, ROWS)                                                                    \
    case CB_KIND_##m: {                                                                     \
        uint64_t body = ev->body.m.present;                                                 \
        if ((body & s_required_##m) != s_required_##m) {                                    \
            return s_missing(&cb_proto_schema_##m, s_required_##m, body, err);              \
        }                                                                                   \
        int rc = s_map(out, env & s_all_envelope, body & s_all_##m, err);                   \
        if (rc == 0) {                                                                      \
            rc = s_fields_envelope(&ev->env, out, err);                                     \
        }                                                                                   \
        return rc != 0 ? rc : s_fields_##m(&ev->body.m, out, err);                          \
    }
        CB_PROTO_KINDS(S_KIND_)
#undef S_KIND_
    default:
        return cb_proto_fail(err, "unknown message kind %d", (int) ev->kind);
    }
}
