/* cb_proto.h - wire messages derived from proto/cb_proto.def: structs, encoders, decoders */
#ifndef CB_PROTO_H_INCLUDED
#define CB_PROTO_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_decimal.h"
#include "cb_proto.def"
#include "cb_str.h"

/* One [price, amount] level of an order book. */
typedef struct {
    cb_decimal_t price;
    cb_decimal_t qty;
} cb_level_t;

/* Levels of one book side. A decoded message owns items (freed by
 * cb_proto_clear / cb_event_clear); for encoding they stay the caller's. */
typedef struct {
    cb_level_t *items;
    uint32_t count;
} cb_levels_t;

/* The bytes of one msgpack value (RAW fields), pointing into someone's buffer. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} cb_raw_t;

#define CB_PT_CTYPE_STR cb_str_t
#define CB_PT_CTYPE_NAME cb_str_t
#define CB_PT_CTYPE_SYMBOL cb_str_t
#define CB_PT_CTYPE_ASSET cb_str_t
#define CB_PT_CTYPE_ENUM cb_str_t
#define CB_PT_CTYPE_DEC cb_decimal_t
#define CB_PT_CTYPE_I64 int64_t
#define CB_PT_CTYPE_U64 uint64_t
#define CB_PT_CTYPE_BOOL bool
#define CB_PT_CTYPE_LEVELS cb_levels_t
#define CB_PT_CTYPE_RAW cb_raw_t

/* For every schema NAME in cb_proto.def: a struct cb_NAME_t whose members are
 * the fields, plus `present`, one bit per field (bit CB_F_NAME_field), and an
 * enum of field indexes. Strings (cb_str_t) and RAW values of a decoded
 * message point into the decoded buffer, which must outlive the message. */
#define CB_PROTO_MEMBER_(m, name, type, presence, limit, choices) CB_PT_CTYPE_##type name;
#define CB_PROTO_INDEX_(m, name, type, presence, limit, choices) CB_F_##m##_##name,
#define CB_PROTO_STRUCT_(m, ROWS)                                               \
    typedef struct {                                                            \
        uint64_t present;                                                       \
        ROWS(CB_PROTO_MEMBER_, m)                                               \
    } cb_##m##_t;                                                               \
    enum { ROWS(CB_PROTO_INDEX_, m) CB_F_##m##_COUNT_ };
CB_PROTO_SCHEMAS(CB_PROTO_STRUCT_)
#undef CB_PROTO_STRUCT_
#undef CB_PROTO_INDEX_
#undef CB_PROTO_MEMBER_

/* Presence of optional fields: CB_PROTO_HAS(&tick, tick, bid_qty);
 * CB_PROTO_SET(&tick, tick, bid_qty, value) assigns and marks it present. */
#define CB_PROTO_HAS(msgp, m, field) ((((msgp)->present) >> CB_F_##m##_##field) & 1u)
#define CB_PROTO_SET(msgp, m, field, value)                                     \
    ((msgp)->field = (value), (msgp)->present |= (uint64_t) 1 << CB_F_##m##_##field)

/* Field descriptor, derived from the rows. */
typedef enum {
    CB_PT_STR,
    CB_PT_NAME,
    CB_PT_SYMBOL,
    CB_PT_ASSET,
    CB_PT_ENUM,
    CB_PT_DEC,
    CB_PT_I64,
    CB_PT_U64,
    CB_PT_BOOL,
    CB_PT_LEVELS,
    CB_PT_RAW,
} cb_proto_type_t;

typedef struct {
    const char *name;
    size_t name_len;
    cb_proto_type_t type;
    bool required;
    uint32_t limit;
    const char *choices;
    size_t offset;
} cb_proto_field_t;

typedef struct {
    const char *name;
    const cb_proto_field_t *fields;
    size_t count;
    size_t size; /* sizeof the cb_NAME_t struct */
} cb_proto_schema_t;

#define CB_PROTO_SCHEMA_DECL_(m, ROWS) extern const cb_proto_schema_t cb_proto_schema_##m;
CB_PROTO_SCHEMAS(CB_PROTO_SCHEMA_DECL_)
#undef CB_PROTO_SCHEMA_DECL_

/* A decode or encode failure, in words fit for a client ("field 'bid':
 * expected a decimal string"). */
typedef struct {
    char message[192];
} cb_proto_err_t;

/* Appends msg (a cb_NAME_t matching schema) as one msgpack map to out: every
 * present field, in schema order. Checks that required fields are present and
 * that every value obeys its type (grammar, limits, UTF-8), so nothing invalid
 * leaves this process. Returns 0 or CB_E_BAD_REQUEST with err filled (err may
 * be NULL); on failure out may hold a partial value, which the caller discards. */
int
cb_proto_encode(const cb_proto_schema_t *schema, const void *msg, cb_buf_t *out,
                cb_proto_err_t *err);

/* Decodes exactly one msgpack map of len bytes into msg (zeroed first).
 * Unknown keys are skipped; duplicate keys, wrong types, missing required
 * fields, bad grammar, over-limit sizes and trailing bytes are errors.
 * Returns 0 or CB_E_BAD_REQUEST with err filled (err may be NULL); never
 * crashes on hostile input. Call cb_proto_clear afterwards in both cases. */
int
cb_proto_decode(const cb_proto_schema_t *schema, const void *data, size_t len, void *msg,
                cb_proto_err_t *err);

/* Frees what decoding allocated (LEVELS items); safe on a zeroed message and
 * twice in a row. Do not call it on a message whose levels the caller owns. */
void
cb_proto_clear(const cb_proto_schema_t *schema, void *msg);

/* Validators for the string grammars (also used for topics). */
bool
cb_proto_symbol_valid(const char *text, size_t len);
bool
cb_proto_asset_valid(const char *text, size_t len);
bool
cb_proto_name_valid(const char *text, size_t len, size_t limit);
bool
cb_proto_enum_valid(const char *choices, const char *text, size_t len);

/* ---- pub/sub events ---------------------------------------------------- */

#define CB_PROTO_KIND_ENUM_(m, ROWS) CB_KIND_##m,
typedef enum { CB_PROTO_KINDS(CB_PROTO_KIND_ENUM_) CB_KIND_COUNT } cb_kind_t;
#undef CB_PROTO_KIND_ENUM_

/* One pub/sub message: the envelope plus the body for its kind. */
typedef struct {
    cb_kind_t kind;
    cb_envelope_t env;
    union {
#define CB_PROTO_UNION_(m, ROWS) cb_##m##_t m;
        CB_PROTO_KINDS(CB_PROTO_UNION_)
#undef CB_PROTO_UNION_
    } body;
} cb_event_t;

/* "tick", "trade", ...; NULL for an out-of-range kind. */
const char *
cb_kind_name(cb_kind_t kind);

/* The kind named by len bytes of text; 0 or CB_E_NOT_FOUND. */
int
cb_kind_from_name(const char *text, size_t len, cb_kind_t *kind);

/* The body schema of a kind (NULL for an out-of-range kind). */
const cb_proto_schema_t *
cb_kind_schema(cb_kind_t kind);

/* Encodes the envelope and the body as ONE flat msgpack map (envelope keys
 * first). Same contract as cb_proto_encode. */
int
cb_event_encode(const cb_event_t *ev, cb_buf_t *out, cb_proto_err_t *err);

/* Decodes one flat map of the given kind into ev (envelope + body), with the
 * checks of cb_proto_decode; the schema version must be CB_PROTO_VERSION.
 * Call cb_event_clear afterwards in both cases. */
int
cb_event_decode(cb_kind_t kind, const void *data, size_t len, cb_event_t *ev,
                cb_proto_err_t *err);

void
cb_event_clear(cb_event_t *ev);

#endif
