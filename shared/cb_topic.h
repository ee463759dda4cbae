/* cb_topic.h - pub/sub topics "<kind>.<SYMBOL>.<venue>[.<interval>]": format, parse, match */
#ifndef CB_TOPIC_H_INCLUDED
#define CB_TOPIC_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_proto.h"
#include "cb_str.h"

/* Longest topic: kind (9) + '.' + symbol (33) + '.' + venue (32) + '.' + interval (3) + NUL, rounded up. */
#define CB_TOPIC_MAX 96

/* The symbol slot of topics whose message is not about one symbol (circuit). */
#define CB_TOPIC_ALL "ALL"

/* A parsed topic; symbol and venue point into the parsed text. */
typedef struct {
    cb_kind_t kind;
    cb_str_t symbol;
    cb_str_t venue;
    cb_str_t detail; /* candle: the interval (4th part); empty otherwise */
} cb_topic_t;

/* Writes "<kind>.<symbol>.<venue>" into buf (CB_TOPIC_MAX is enough).
 * Returns the length, or CB_E_BAD_REQUEST when a part breaks the grammar
 * (symbol BASE-QUOTE or "ALL", an asset such as "BTC" for the sentiment
 * kind; venue a lower-case name). */
int
cb_topic_format(cb_kind_t kind, cb_str_t symbol, cb_str_t venue, char *buf, size_t size);

/* Parses and validates a full topic of len bytes. 0 or CB_E_BAD_REQUEST. */
int
cb_topic_parse(const char *text, size_t len, cb_topic_t *topic);

/* The topic's symbol slot and venue for an event: its body's symbol (ALL
 * for kinds without one, i.e. circuit) and venue. Views into ev. */
void
cb_topic_route(const cb_event_t *ev, cb_str_t *symbol, cb_str_t *venue);

/* Writes the topic an event is published on into buf; length or
 * CB_E_BAD_REQUEST as cb_topic_format. */
int
cb_topic_of_event(const cb_event_t *ev, char *buf, size_t size);

/* True when text (len bytes) is exactly the topic ev is published on; cheap
 * (no validation beyond what decoding the event already did). */
bool
cb_topic_is_of_event(const cb_event_t *ev, const char *text, size_t len);

/* ZeroMQ subscription semantics: true when topic starts with prefix. */
bool
cb_topic_matches(const char *prefix, size_t prefix_len, const char *topic, size_t topic_len);

/* The kind of a topic from its first part alone (cheap; for dispatch).
 * 0 or CB_E_NOT_FOUND. */
int
cb_topic_kind(const char *text, size_t len, cb_kind_t *kind);

#endif
