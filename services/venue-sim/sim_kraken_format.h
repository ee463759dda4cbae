/* sim_kraken_format.h - Kraken's ids and objects: OXXXXX-XXXXX-XXXXXX txids, OrderInfo and trade JSON, descr.order text */
#ifndef SIM_KRAKEN_FORMAT_H_INCLUDED
#define SIM_KRAKEN_FORMAT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "sim_exchange.h"

#define SIM_TXID_SIZE 20

/* Writes the Kraken id of an order ('O') or trade ('T') id into out
 * (SIM_TXID_SIZE bytes): "OU22CG-KLAF2-FWUDD7" style, one-to-one. */
void
sim_kraken_txid(char prefix, uint64_t id, char *out);

/* The id behind a txid of that prefix; false for anything that is not one. */
bool
sim_kraken_txid_parse(char prefix, const char *txid, size_t len, uint64_t *id);

/* Appends an amount with decimals digits (Kraken pads, e.g. XXBT 10). */
void
sim_kraken_amount(cb_buf_t *out, sim_fx_t v, int decimals);

/* Appends the OrderInfo object of o (with its trade txids when trades). */
void
sim_kraken_order_json(cb_buf_t *out, const sim_exchange_t *exchange, const sim_xorder_t *o, bool trades);

/* Appends descr.order text: "buy 1.25000000 XBTUSD @ limit 37500.0". */
void
sim_kraken_order_text(cb_buf_t *out, const sim_xorder_t *o);

/* Appends a TradesHistory trade object. */
void
sim_kraken_trade_json(cb_buf_t *out, const sim_xtrade_t *t, const sim_xorder_t *o);

#endif
