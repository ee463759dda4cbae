// ccxt_venue_sim.js - drive a running venue-sim with the real ccxt (REST and ccxt pro).
//
// Not part of `make test` (CI must not depend on npm). Usage, see tests/interop/README.md:
//   mkdir -p /tmp/ccxt && cd /tmp/ccxt && npm init -y && npm install ccxt
//   COINBUS_SIM_PORT=8177 build/bin/venue-sim &
//   NODE_PATH=/tmp/ccxt/node_modules SIM=http://127.0.0.1:8177 node tests/interop/ccxt_venue_sim.js
// Prints one PASS/FAIL line per exchange and call, then a summary; exits 1 on any FAIL.
// The keys are venue-sim's public paper-account test values (README), never real ones.
'use strict';

const ccxt = require('ccxt');

const SIM = process.env.SIM || 'http://127.0.0.1:8100';
const WS = SIM.replace(/^http/, 'ws');
const ONLY = process.env.ONLY || '';
const KRAKEN_KEY = 'coinbus-paper-kraken';
const KRAKEN_SECRET = 'Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA==';
const BINANCE_KEY = 'coinbuspaperbinancekey000000000000000000000000000000000000000000';
const BINANCE_SECRET = 'coinbuspaperbinancesecret000000000000000000000000000000000000000';

const results = [];

function check(cond, what) {
    if (!cond) {
        throw new Error('check failed: ' + what);
    }
}

function isNum(x) {
    return typeof x === 'number' && Number.isFinite(x);
}

async function step(venue, name, fn) {
    if (ONLY && !name.includes(ONLY) && !venue.includes(ONLY)) {
        return undefined;
    }
    try {
        const out = await fn();
        results.push([venue, name, 'PASS', '']);
        console.log(`PASS ${venue} ${name}`);
        return out;
    } catch (e) {
        const msg = (e && e.constructor ? e.constructor.name + ': ' : '') + (e && e.message ? e.message : String(e));
        results.push([venue, name, 'FAIL', msg]);
        console.log(`FAIL ${venue} ${name}: ${msg.slice(0, 600)}`);
        return undefined;
    }
}

function checkOrder(o, what) {
    check(o && typeof o.id === 'string' && o.id.length > 0, what + ': id');
    check(['open', 'closed', 'canceled', 'expired', 'rejected'].includes(o.status), what + ': status ' + o.status);
    check(typeof o.symbol === 'string', what + ': symbol');
    check(o.side === 'buy' || o.side === 'sell', what + ': side ' + o.side);
    check(isNum(o.amount), what + ': amount ' + o.amount);
    check(isNum(o.filled), what + ': filled ' + o.filled);
    check(isNum(o.timestamp), what + ': timestamp ' + o.timestamp);
}

function checkTicker(t, what) {
    check(isNum(t.bid) && isNum(t.ask) && t.bid < t.ask, what + ': bid/ask ' + t.bid + '/' + t.ask);
    check(isNum(t.last), what + ': last ' + t.last);
    check(isNum(t.timestamp) || t.timestamp === undefined, what + ': timestamp');
    check(isNum(t.baseVolume), what + ': baseVolume ' + t.baseVolume);
}

// The calls both venues share; `ex` is a REST instance with markets not yet loaded.
async function common(venue, ex, symbol, price) {
    await step(venue, 'loadMarkets', async () => {
        const m = await ex.loadMarkets();
        check(m[symbol] !== undefined, 'market ' + symbol + ' among ' + Object.keys(m).join(','));
        const mk = m[symbol];
        check(isNum(mk.precision.price) && isNum(mk.precision.amount), 'precision ' + JSON.stringify(mk.precision));
        check(isNum(mk.limits.amount.min), 'limits.amount.min ' + mk.limits.amount.min);
    });
    await step(venue, 'fetchTime', async () => {
        const t = await ex.fetchTime();
        check(isNum(t) && Math.abs(t - Date.now()) < 60000, 'time ' + t);
    });
    await step(venue, 'fetchTicker', async () => checkTicker(await ex.fetchTicker(symbol), symbol));
    await step(venue, 'fetchTickers', async () => {
        const ts = await ex.fetchTickers();
        check(ts[symbol] !== undefined, 'tickers has ' + symbol + ': ' + Object.keys(ts).join(','));
        checkTicker(ts[symbol], symbol);
        const two = await ex.fetchTickers([symbol, 'ETH/' + symbol.split('/')[1]]);
        check(Object.keys(two).length === 2, 'two tickers: ' + Object.keys(two).join(','));
    });
    await step(venue, 'fetchOrderBook', async () => {
        const ob = await ex.fetchOrderBook(symbol, 10);
        check(ob.bids.length > 0 && ob.asks.length > 0, 'levels');
        check(ob.bids.length <= 10 && ob.asks.length <= 10, 'limit 10: ' + ob.bids.length);
        check(ob.bids[0][0] < ob.asks[0][0], 'crossed');
        check(isNum(ob.bids[0][1]), 'qty');
    });
    await step(venue, 'fetchOHLCV', async () => {
        const c = await ex.fetchOHLCV(symbol, '1m', undefined, 5);
        check(c.length > 0 && c.length <= 5, 'count ' + c.length);
        check(c.every((r) => r.length === 6 && r.every(isNum)), 'rows ' + JSON.stringify(c[0]));
        const h = await ex.fetchOHLCV(symbol, '1h', Date.now() - 5 * 3600 * 1000);
        check(h.length >= 4, '1h since: ' + h.length);
    });
    await step(venue, 'fetchTrades', async () => {
        await new Promise((r) => setTimeout(r, 1500));
        const tr = await ex.fetchTrades(symbol, undefined, 10);
        check(tr.length > 0, 'trades ' + tr.length);
        const t = tr[0];
        check(isNum(t.price) && isNum(t.amount) && isNum(t.timestamp), 'trade ' + JSON.stringify(t.info));
        check(t.side === 'buy' || t.side === 'sell', 'side ' + t.side);
    });
    await step(venue, 'fetchBalance', async () => {
        const b = await ex.fetchBalance();
        const q = symbol.split('/')[1];
        check(isNum(b.total.BTC) && isNum(b.free[q]), 'balances ' + JSON.stringify(b.total));
    });
    const ticker = await ex.fetchTicker(symbol).catch(() => undefined);
    const bid = ticker ? ticker.bid : price;
    const limitPrice = ex.priceToPrecision(symbol, bid * 0.9);
    const sellPrice = ex.priceToPrecision(symbol, bid * 1.1);
    let buyId;
    let sellId;
    await step(venue, 'createOrder limit buy', async () => {
        const o = await ex.createOrder(symbol, 'limit', 'buy', 0.01, limitPrice);
        check(typeof o.id === 'string' && o.id.length > 0, 'id ' + o.id);
        buyId = o.id;
    });
    await step(venue, 'createOrder limit sell', async () => {
        const o = await ex.createOrder(symbol, 'limit', 'sell', 0.01, sellPrice);
        check(typeof o.id === 'string' && o.id.length > 0, 'id ' + o.id);
        sellId = o.id;
    });
    let mktId;
    await step(venue, 'createOrder market buy', async () => {
        const o = await ex.createOrder(symbol, 'market', 'buy', 0.01);
        check(typeof o.id === 'string', 'id');
        mktId = o.id;
    });
    await step(venue, 'createOrder market sell', async () => {
        const o = await ex.createOrder(symbol, 'market', 'sell', 0.01);
        check(typeof o.id === 'string', 'id');
    });
    await step(venue, 'fetchOrder open', async () => {
        const o = await ex.fetchOrder(buyId, symbol);
        checkOrder(o, 'buy');
        check(o.status === 'open', 'status ' + o.status);
        check(o.type === 'limit', 'type ' + o.type);
        check(o.price === Number(limitPrice), 'price ' + o.price + ' vs ' + limitPrice);
        check(o.amount === 0.01 && o.filled === 0 && o.remaining === 0.01, 'amounts ' + o.amount + '/' + o.filled);
    });
    await step(venue, 'fetchOrder filled market', async () => {
        const o = await ex.fetchOrder(mktId, symbol);
        checkOrder(o, 'market');
        check(o.status === 'closed', 'status ' + o.status);
        check(o.filled === 0.01 && isNum(o.average) && o.average > 0, 'filled ' + o.filled + ' avg ' + o.average);
        check(isNum(o.cost) && o.cost > 0, 'cost ' + o.cost);
    });
    await step(venue, 'fetchOpenOrders', async () => {
        const os = await ex.fetchOpenOrders(symbol);
        check(os.some((o) => o.id === buyId) && os.some((o) => o.id === sellId), 'both open: ' + os.map((o) => o.id));
        os.forEach((o) => checkOrder(o, 'open'));
    });
    await step(venue, 'fetchMyTrades', async () => {
        const ts = await ex.fetchMyTrades(symbol);
        check(ts.length >= 2, 'trades ' + ts.length);
        const t = ts.find((x) => x.order === mktId);
        check(t !== undefined, 'trade of the market order ' + mktId + ' in ' + ts.map((x) => x.order));
        check(isNum(t.price) && isNum(t.amount) && isNum(t.cost), 'numbers');
        check(t.fee && isNum(t.fee.cost) && typeof t.fee.currency === 'string', 'fee ' + JSON.stringify(t.fee));
        check(t.side === 'buy', 'side ' + t.side);
        check(t.takerOrMaker === 'taker', 'takerOrMaker ' + t.takerOrMaker);
    });
    return { buyId, sellId, limitPrice, sellPrice };
}

async function cancels(venue, ex, symbol, ids) {
    await step(venue, 'cancelOrder', async () => {
        const o = await ex.cancelOrder(ids.buyId, symbol);
        check(o !== undefined, 'answer');
        const f = await ex.fetchOrder(ids.buyId, symbol);
        check(f.status === 'canceled', 'status after cancel ' + f.status);
    });
    await step(venue, 'cancelOrder unknown -> OrderNotFound', async () => {
        try {
            await ex.cancelOrder(venue === 'kraken' ? 'OAAAAA-BBBBB-CCCCCC' : '999999999', symbol);
        } catch (e) {
            check(e instanceof ccxt.OrderNotFound, 'error class ' + e.constructor.name + ': ' + e.message);
            return;
        }
        throw new Error('no error');
    });
    await step(venue, 'createOrder too much -> InsufficientFunds', async () => {
        try {
            // 5 BTC at 90% of the bid: more than the 100000 of quote, below the notional maximum.
            await ex.createOrder(symbol, 'limit', 'buy', 5, ids.limitPrice);
        } catch (e) {
            check(e instanceof ccxt.InsufficientFunds, 'error class ' + e.constructor.name + ': ' + e.message);
            return;
        }
        throw new Error('no error');
    });
    await step(venue, 'createOrder postOnly crossing -> refused or canceled', async () => {
        const t = await ex.fetchTicker(symbol);
        const cross = ex.priceToPrecision(symbol, t.ask * 1.01);
        let o;
        try {
            o = await ex.createOrder(symbol, 'limit', 'buy', 0.01, cross, { postOnly: true });
        } catch (e) {
            check(e instanceof ccxt.OrderImmediatelyFillable || e instanceof ccxt.InvalidOrder,
                  'error class ' + e.constructor.name + ': ' + e.message);
            return;
        }
        // Kraken accepts it and cancels it at once ("Post only order").
        const f = await ex.fetchOrder(o.id, symbol);
        check(f.status === 'canceled' && f.filled === 0, 'status ' + f.status + ' filled ' + f.filled);
    });
    await step(venue, 'createOrder clientOrderId, fetchOrder and cancelOrder by it', async () => {
        const cid = venue === 'kraken' ? '6d1b345e-2821-40e2-ad83-4ecb18a06876' : 'interop' + Date.now();
        const o = await ex.createOrder(symbol, 'limit', 'buy', 0.01, ids.limitPrice, { clientOrderId: cid });
        const f = await ex.fetchOrder(o.id, symbol);
        check(f.clientOrderId === cid, 'clientOrderId ' + f.clientOrderId);
        if (venue === 'binance') {
            const g = await ex.fetchOrder(undefined, symbol, { clientOrderId: cid });
            check(g.id === o.id, 'by clientOrderId ' + g.id);
        }
        await ex.cancelOrder(venue === 'kraken' ? undefined : o.id, symbol, { clientOrderId: cid });
        const h = await ex.fetchOrder(o.id, symbol);
        check(h.status === 'canceled', 'status ' + h.status);
    });
    await step(venue, 'cancelAllOrders', async () => {
        await ex.createOrder(symbol, 'limit', 'buy', 0.01, ids.limitPrice);
        await ex.cancelAllOrders(symbol);
        const os = await ex.fetchOpenOrders(symbol);
        check(os.length === 0, 'still open: ' + os.length);
    });
    await step(venue, 'fetchClosedOrders', async () => {
        // Kraken's ClosedOrders holds canceled orders too; ccxt's Binance keeps only status closed.
        const os = await ex.fetchClosedOrders(symbol);
        check(os.length >= 2, 'closed ' + os.length);
        os.forEach((o) => checkOrder(o, 'closed'));
        if (venue === 'kraken') {
            check(os.some((o) => o.id === ids.buyId && o.status === 'canceled'), 'canceled buy among them');
        } else {
            check(os.every((o) => o.status === 'closed'), 'all closed');
        }
    });
}

async function kraken() {
    const ex = new ccxt.kraken({ apiKey: KRAKEN_KEY, secret: KRAKEN_SECRET });
    // ccxt's Kraken nonce is the time in ms: two calls within one ms on loopback send the same
    // nonce, which Kraken (and the sim) refuse with EAPI:Invalid nonce. Keep it strictly increasing.
    let lastNonce = 0;
    ex.nonce = () => (lastNonce = Math.max(lastNonce + 1, Date.now()));
    ex.urls.api.public = SIM + '/kraken';
    ex.urls.api.private = SIM + '/kraken';
    const ids = await common('kraken', ex, 'BTC/USD', 90000);
    await step('kraken', 'fetchOrders (ccxt: not supported by kraken)', async () => {
        check(!ex.has.fetchOrders, 'has.fetchOrders ' + ex.has.fetchOrders);
    });
    await step('kraken', 'editOrder', async () => {
        const p2 = ex.priceToPrecision('BTC/USD', Number(ids.sellPrice) * 1.01);
        // ccxt edits with AmendOrder, which keeps the txid and answers only an amend_id (ccxt
        // returns that as the order's id): the order is still found under its txid.
        const o = await ex.editOrder(ids.sellId, 'BTC/USD', 'limit', 'sell', 0.02, p2);
        check(typeof o.id === 'string' && o.id.length > 0, 'id ' + o.id);
        const f = await ex.fetchOrder(ids.sellId, 'BTC/USD');
        check(f.status === 'open' && f.amount === 0.02 && f.price === Number(p2),
              'edited ' + f.status + ' ' + f.amount + ' @ ' + f.price);
    });
    await step('kraken', 'cancelOrders (CancelOrderBatch)', async () => {
        const a = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.01, ids.limitPrice);
        const b = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.01, ids.limitPrice);
        const r = await ex.cancelOrders([a.id, b.id], 'BTC/USD');
        check(r[0].info.result.count === 2, 'count ' + JSON.stringify(r[0].info));
        const os = await ex.fetchOpenOrders('BTC/USD');
        check(!os.some((o) => o.id === a.id || o.id === b.id), 'still open');
    });
    await cancels('kraken', ex, 'BTC/USD', ids);
}

async function binance() {
    const ex = new ccxt.binance({
        apiKey: BINANCE_KEY,
        secret: BINANCE_SECRET,
        options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false, defaultType: 'spot' },
    });
    ex.urls.api.public = SIM + '/binance/api/v3';
    ex.urls.api.private = SIM + '/binance/api/v3';
    const ids = await common('binance', ex, 'BTC/USDT', 90000);
    await step('binance', 'fetchOrders', async () => {
        const os = await ex.fetchOrders('BTC/USDT');
        check(os.length >= 4, 'orders ' + os.length);
        os.forEach((o) => checkOrder(o, 'order'));
    });
    await cancels('binance', ex, 'BTC/USDT', ids);
}

async function watchAll(venue, ex, symbol) {
    const timed = (p) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error('timeout 15 s')), 15000))]);
    // ccxt refuses plain ws:// urls until its http agent is loaded (the sim speaks no TLS).
    await ex.loadHttpProxyAgent();
    await step(venue, 'ws loadMarkets', async () => ex.loadMarkets());
    await step(venue, 'watchTicker', async () => {
        const t = await timed(ex.watchTicker(symbol));
        check(isNum(t.last) && isNum(t.baseVolume), 'last ' + t.last + ' volume ' + t.baseVolume);
        // ccxt's Binance watches @miniTicker by default, which has no bid and ask.
        if (venue !== 'binance-ws') {
            check(isNum(t.bid) && isNum(t.ask), 'bid/ask ' + t.bid + '/' + t.ask);
        }
    });
    if (venue === 'binance-ws') {
        await step(venue, 'watchTicker name=ticker', async () => {
            const t = await timed(ex.watchTicker(symbol, { name: 'ticker' }));
            check(isNum(t.bid) && isNum(t.ask) && t.bid < t.ask, 'bid/ask ' + t.bid + '/' + t.ask);
            check(isNum(t.last) && isNum(t.percentage) && isNum(t.vwap), 'last/percentage/vwap');
        });
    }
    await step(venue, 'watchOrderBook', async () => {
        let ob = await timed(ex.watchOrderBook(symbol, 10));
        ob = await timed(ex.watchOrderBook(symbol, 10));
        check(ob.bids.length > 0 && ob.asks.length > 0 && ob.bids[0][0] < ob.asks[0][0], 'book');
    });
    await step(venue, 'watchTrades', async () => {
        const tr = await timed(ex.watchTrades(symbol));
        check(tr.length > 0 && isNum(tr[0].price) && isNum(tr[0].amount), 'trades');
    });
    await step(venue, 'watchOHLCV', async () => {
        const c = await timed(ex.watchOHLCV(symbol, '1m'));
        check(c.length > 0 && c[c.length - 1].every(isNum), 'candles ' + JSON.stringify(c[c.length - 1]));
    });
    await ex.close();
}

async function pro() {
    const k = new ccxt.pro.kraken();
    k.urls.api.public = SIM + '/kraken';
    k.urls.api.ws.publicV2 = WS + '/kraken/ws/v2';
    k.urls.api.ws.public = WS + '/kraken/ws/v2';
    await watchAll('kraken-ws', k, 'BTC/USD');
    const b = new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false } });
    b.urls.api.public = SIM + '/binance/api/v3';
    b.urls.api.ws.spot = WS + '/binance/ws';
    await watchAll('binance-ws', b, 'BTC/USDT');
}

async function main() {
    console.log('ccxt ' + ccxt.version + ' against ' + SIM);
    await kraken();
    await binance();
    if (!process.env.NO_WS) {
        await pro();
    }
    const failed = results.filter((r) => r[2] === 'FAIL');
    console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
    process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
    console.log('driver error: ' + (e && e.stack ? e.stack : e));
    process.exit(2);
});
