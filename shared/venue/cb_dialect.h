/* cb_dialect.h - what each venue dialect (kraken, binance, coinbase) provides: requests built, replies and streams parsed */
#ifndef CB_DIALECT_H_INCLUDED
#define CB_DIALECT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_md.h"
#include "cb_venue.h"

/* Public REST requests every dialect answers. */
typedef enum {
    CB_REST_TIME = 0,      /* emits CB_MD_TIME */
    CB_REST_INSTRUMENTS,   /* fills the instrument list */
    CB_REST_TICKER,        /* emits CB_MD_TICK */
    CB_REST_OHLC,          /* emits CB_MD_CANDLES, oldest first */
    CB_REST_BOOK,          /* emits CB_MD_BOOK with snapshot = true (Binance: update_id = lastUpdateId) */
    CB_REST_TRADES,        /* emits CB_MD_TRADES, oldest first */
} cb_rest_op_t;

/* Arguments of a public request; unused ones are ignored. */
typedef struct {
    const cb_instrument_t *ins; /* TICKER, OHLC, BOOK, TRADES */
    int interval_s;             /* OHLC: 60, 300, 900, 1800, 3600, 14400, 86400, 604800 */
    int64_t since_ms;           /* OHLC / TRADES: from (0: the venue's default) */
    int limit;                  /* OHLC / TRADES / BOOK depth (0: the venue's default) */
    int64_t max_wait_ms;        /* longest rate-limit wait this call accepts (0: the client's);
                                 * a low-priority call asks for little and retries later, so
                                 * it never reserves the shared budget far ahead of others */
} cb_rest_args_t;

/* A request ready for the HTTP client. Owns body; cb_venue_req_fini. */
typedef struct {
    char method[8];                /* "GET", "POST", "DELETE", "PUT" */
    char url[1024];
    char headers[4][320];          /* "Name: value" lines; empty ones unused */
    cb_buf_t body;                 /* POST/PUT body (may be empty) */
    bool changes_state;            /* an order action: a lost reply is UNKNOWN_OUTCOME */
} cb_venue_req_t;

void
cb_venue_req_fini(cb_venue_req_t *req);

/* Stream channels a market-data connection carries for each instrument. */
typedef struct {
    bool ticker;           /* Kraken ticker; Binance bookTicker; Coinbase ticker */
    bool trades;           /* Kraken trade; Binance trade; Coinbase matches */
    int book_depth;        /* 0: none; Kraken depth 10/25/100/500/1000; Binance diff depth (@depth@100ms); Coinbase level2 */
    int ohlc_interval_s;   /* 0: none; Kraken ohlc interval; Binance kline */
} cb_ws_channels_t;

/* Each dialect is one table of functions; all are pure (no I/O), so they
 * can be tested and fuzzed on bytes. Errors are returned as CB_E_* codes;
 * parse functions never crash or hang on any input. */
typedef struct {
    cb_dialect_t dialect;

    /* The full URL of a public request: v->rest_base + path + query. 0,
     * CB_E_BAD_REQUEST (args missing / op unsupported) or CB_E_TOO_BIG. */
    int (*rest_url)(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args, char *url,
                    size_t size);

    /* Parses the reply to a public request (any HTTP status). On success:
     * INSTRUMENTS appends to list (unified symbols, steps, minimums, fees);
     * the others emit items through emit (symbol fields left empty). When the
     * venue answered with an error (its envelope, or a non-2xx status), err
     * is filled with the class and the venue's own message, and the class's
     * CB_E_* code (cb_verr_code) is returned; CB_E_PARSE (err class
     * BAD_REPLY) when the body is not the documented shape. */
    int (*rest_parse)(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args, int http_status,
                      const char *body, size_t len, cb_instruments_t *list, cb_md_emit_fn emit,
                      void *ctx, cb_venue_error_t *err);

    /* The WebSocket URL of one market-data connection for instruments
     * ins[0..n) and channels ch (Binance puts the streams in the URL;
     * Kraken and Coinbase use v->ws_url as is). */
    int (*ws_url)(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
                  const cb_ws_channels_t *ch, char *url, size_t size);

    /* The k-th subscribe message (k = 0, 1, ...) to send when that
     * connection opens, appended to out; returns 1 when one was written, 0
     * when there are no more (Binance: none, the URL subscribes), or an error. */
    int (*ws_subscribe)(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch, int k,
                        int64_t req_id, cb_buf_t *out);

    /* Messages that make the venue send one symbol's book snapshot again on
     * the same connection (Kraken: unsubscribe + subscribe book; Coinbase:
     * unsubscribe + subscribe level2_batch; Binance: 0 messages, the
     * snapshot comes over REST).
     * Same return convention as ws_subscribe. */
    int (*ws_resubscribe_book)(const cb_instrument_t *ins, int depth, int k, int64_t req_id,
                               cb_buf_t *out);

    /* An application-level ping (Kraken {"method":"ping"}) appended to out:
     * 1 when written, 0 when the dialect relies on WebSocket ping frames. */
    int (*ws_ping)(int64_t req_id, cb_buf_t *out);

    /* Parses one stream message and emits its items. 0, or CB_E_PARSE /
     * CB_E_RANGE / CB_E_TOO_BIG for input that is not a documented message
     * (the caller counts it and goes on), or what emit returned. */
    int (*ws_parse)(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit, void *ctx);

    /* Classifies a failed reply to any request (public or private): the
     * venue's error envelope or HTTP status -> err (class, venue code, the
     * venue's message). transport_failed: no HTTP answer at all (sent says
     * whether the request may have reached the venue). For a request with
     * changes_state, a timeout, a cut connection after sending or a 5xx
     * without a definite error is CB_VERR_UNKNOWN_OUTCOME. Returns
     * cb_verr_code(err->cls). */
    int (*classify)(const cb_venue_req_t *req, bool transport_failed, bool sent, int http_status,
                    const char *body, size_t len, int64_t retry_after_ms, cb_venue_error_t *err);
} cb_dialect_ops_t;

/* The table of a dialect (never NULL for a valid dialect). */
const cb_dialect_ops_t *
cb_dialect_ops(cb_dialect_t dialect);

/* Each dialect's table, defined in cb_kraken.c, cb_binance.c, cb_coinbase.c. */
extern const cb_dialect_ops_t cb_kraken_ops;
extern const cb_dialect_ops_t cb_binance_ops;
extern const cb_dialect_ops_t cb_coinbase_ops;

#endif
