#!/usr/bin/env node
/* dashboard.js - api-edge's dashboard (GET /) and API page (GET /docs) in headless Debian
 * chromium, driven by playwright-core (no browser download).
 *
 * Usage: node tests/browser/dashboard.js BASE_URL ARTEFACT_DIR
 *   BASE_URL      a running api-edge, e.g. http://127.0.0.1:8000 (loopback only)
 *   ARTEFACT_DIR  where the screenshots go (dashboard.png, docs.png)
 * Environment: CHROMIUM (default /usr/bin/chromium).
 * tests/integration/test_dashboard_browser.c starts the real stack and runs this; it
 * also works against `make run`. Exits 0 when every check passed, else 1 (the
 * failed check on stderr). Checks: the page loads without console errors or
 * requests outside loopback, the WebSocket goes live, prices change on screen,
 * the chart draws candles, the comparison shows, the sentiment box answers and
 * shows a 400 as an error, /docs renders every route with a working "try it", and real
 * replies (successes and errors) match the schemas /openapi.json documents. */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const base = (process.argv[2] || '').replace(/\/$/, '');
const artefacts = process.argv[3];
if (!base || !artefacts) {
  console.error('usage: node tests/browser/dashboard.js BASE_URL ARTEFACT_DIR');
  process.exit(2);
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function log(...args) {
  console.log(new Date().toISOString().slice(11, 23), ...args);
}
function check(ok, what) {
  if (!ok) throw new Error('check failed: ' + what);
  log('ok:', what);
}

/* Every price, bid and ask cell of the live table, keyed by row. */
function priceCells(page) {
  return page.$$eval('#prices tbody tr', (rows) => rows.map((r) => ({
    key: r.dataset.key,
    text: [...r.cells].slice(2, 5).map((c) => c.textContent).join(' '),
    seq: r.cells[6].textContent,
  })));
}

async function dashboard(page, problems) {
  await page.goto(base + '/', { waitUntil: 'load' });
  check((await page.title()).includes('coinbus'), 'GET / is the dashboard');

  await page.waitForSelector('#ws-status.open', { timeout: 10000 });
  check(true, 'the WebSocket /ws is live');

  await page.waitForFunction(() => document.querySelectorAll('#symbol option').length > 0, null, { timeout: 10000 });
  const symbols = await page.$$eval('#symbol option', (os) => os.map((o) => o.value));
  check(symbols.includes('BTC'), 'symbols from /api/market/symbols: ' + symbols.join(', '));

  /* Rows come as each venue's first tick arrives: wait (bounded) for two venues' rows. */
  await page.waitForFunction(() => new Set([...document.querySelectorAll('#prices tbody tr')]
    .map((r) => (r.dataset.key || '').split('|')[1])).size >= 2, null, { timeout: 10000 }).catch(() => {});
  const before = await priceCells(page);
  const venues = new Set(before.map((r) => r.key.split('|')[1]));
  check(venues.size >= 2, 'prices from ' + venues.size + ' venues: ' + [...venues].join(', '));
  for (const r of before) {
    check(/^-?\d+(\.\d+)? -?\d+(\.\d+)? -?\d+(\.\d+)?$/.test(r.text), r.key + ' shows exact decimals: ' + r.text);
  }
  /* Prices move on screen within a few seconds (pushed over /ws on every tick). */
  const t0 = Date.now();
  let changed = null;
  while (Date.now() - t0 < 8000 && changed === null) {
    await page.waitForTimeout(250);
    const now = await priceCells(page);
    for (const r of now) {
      const old = before.find((b) => b.key === r.key);
      if (old && old.text !== r.text) changed = { key: r.key, from: old.text, to: r.text };
    }
  }
  check(changed !== null, 'a price changed on screen within ' + (Date.now() - t0) + ' ms' +
    (changed ? ' (' + changed.key + ': ' + changed.from + ' -> ' + changed.to + ')' : ''));

  /* The chart: candles from /api/market/ohlc, drawn (coloured pixels on the canvas). */
  await page.waitForFunction(() => Number(document.getElementById('chart').dataset.candles) > 0, null, { timeout: 10000 });
  const pixels = await page.evaluate(() => {
    const cv = document.getElementById('chart');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let up = 0, down = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === 0x26 && d[i + 1] === 0xa2 && d[i + 2] === 0x69) up++;
      if (d[i] === 0xe0 && d[i + 1] === 0x1b && d[i + 2] === 0x24) down++;
    }
    return { candles: Number(cv.dataset.candles), up, down, w: cv.width, h: cv.height };
  });
  check(pixels.up + pixels.down > 20, 'the chart draws ' + pixels.candles + ' candles (' + pixels.up +
    ' up and ' + pixels.down + ' down pixels on ' + pixels.w + 'x' + pixels.h + ')');

  /* The comparison across venues. */
  await page.waitForFunction(() => document.querySelectorAll('#compare tbody tr').length >= 2 &&
    document.getElementById('compare-summary').textContent.startsWith('Best bid'), null, { timeout: 10000 });
  const summary = await page.textContent('#compare-summary');
  check(/spread -?\d/.test(summary), 'the comparison shows: ' + summary);

  /* The sentiment box answers. */
  await page.fill('#sentiment-text', '$BTC breaking out, to the moon');
  await page.click('#sentiment-button');
  await page.waitForSelector('#sentiment-result[data-label]', { timeout: 10000 });
  const label = await page.getAttribute('#sentiment-result', 'data-label');
  const result = (await page.innerText('#sentiment-result')).replace(/\s+/g, ' ');
  check(label === 'bullish', 'the sentiment box answers: ' + result);

  check(problems.length === 0, 'no console errors, page errors or outside requests' +
    (problems.length ? ': ' + problems.join(' | ') : ''));
  await page.waitForTimeout(300); /* let the last flash of a price fade a little */
  const shot = path.join(artefacts, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  log('screenshot:', shot);

  /* An error reply is shown to the user (and the console's own line about it expected). */
  await page.fill('#sentiment-text', '   ');
  await page.click('#sentiment-button');
  await page.waitForSelector('#errors .error', { timeout: 10000 });
  const shown = (await page.innerText('#errors .error')).replace(/\s+/g, ' ');
  check(/\(400\)/.test(shown), 'an empty text is shown as an error: ' + shown);
  const unexpected = problems.filter((p) => !/status of 400/.test(p));
  check(unexpected.length === 0, 'no other console errors' + (unexpected.length ? ': ' + unexpected.join(' | ') : ''));
  problems.length = 0;
}

async function docs(page, problems) {
  const spec = await (await page.request.get(base + '/openapi.json')).json();
  let ops = 0;
  for (const item of Object.values(spec.paths)) ops += Object.keys(item).filter((k) => k !== 'parameters').length;
  await page.goto(base + '/docs', { waitUntil: 'load' });
  await page.waitForFunction((n) => document.querySelectorAll('section.op').length === n, ops, { timeout: 10000 });
  const shownPaths = await page.$$eval('section.op', (ss) => ss.map((s) => s.dataset.method + ' ' + s.dataset.path));
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const m of Object.keys(item)) {
      if (m !== 'parameters') check(shownPaths.includes(m + ' ' + p), '/docs shows ' + m.toUpperCase() + ' ' + p);
    }
  }
  const op = page.locator('#getPrice');
  await op.locator('button[type=submit]').click();
  await op.locator('pre.reply').waitFor({ timeout: 10000 });
  const status = (await op.locator('.status').last().textContent()).trim();
  const reply = await op.locator('pre.reply').textContent();
  check(status.startsWith('200') && reply.includes('"price"'), '/docs "try it" GET /api/market/price: ' + status);
  check(problems.length === 0, '/docs: no console errors' + (problems.length ? ': ' + problems.join(' | ') : ''));
  const shot = path.join(artefacts, 'docs.png');
  await page.screenshot({ path: shot });
  log('screenshot:', shot);
}

/* The parts of JSON Schema (OpenAPI 3.0) the document uses: $ref, allOf, type,
 * nullable, enum, required, properties, additionalProperties, items. Returns
 * the problems found ("" path = the root). */
function conforms(spec, schema, value, where, out, inAllOf) {
  const deref = (x) => { while (x && x.$ref) x = x.$ref.slice(2).split('/').reduce((n, k) => n[k], spec); return x; };
  schema = deref(schema);
  if (!schema) return out;
  /* Every property a schema names, its allOf parts included. */
  const named = (x) => { x = deref(x); return Object.keys(x.properties || {}).concat(...(x.allOf || []).map(named)); };
  if (schema.allOf) for (const s of schema.allOf) conforms(spec, s, value, where, out, true);
  if (value === null) {
    if (!schema.nullable && schema.type) out.push(where + ': null');
    return out;
  }
  const type = Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
  const ok = { number: ['number', 'integer'], integer: ['integer'], string: ['string'], boolean: ['boolean'],
    object: ['object'], array: ['array'] }[schema.type];
  if (ok && !ok.includes(type)) out.push(where + ': ' + type + ', documented ' + schema.type);
  if (schema.enum && !schema.enum.includes(value)) out.push(where + ': ' + JSON.stringify(value) + ' not in the enum');
  if (type === 'object') {
    const known = named(schema);
    for (const k of schema.required || []) if (!(k in value)) out.push(where + '.' + k + ': missing');
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties && schema.properties[k];
      if (sub) conforms(spec, sub, v, where + '.' + k, out);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        conforms(spec, schema.additionalProperties, v, where + '.' + k, out);
      } else if (!inAllOf && known.length && !known.includes(k)) out.push(where + '.' + k + ': not documented');
    }
  }
  if (type === 'array' && schema.items) value.forEach((v, i) => conforms(spec, schema.items, v, where + '[' + i + ']', out));
  return out;
}

/* Real replies of the running api-edge against the schemas /openapi.json gives them. */
async function replies(request, spec) {
  const calls = [
    ['get', '/api/market/price?symbol=BTC', 200], ['get', '/api/market/price?symbol=BTC&venue=sim-kraken', 200],
    ['get', '/api/market/ohlc?symbol=BTC&timeframe=1m&limit=5', 200],
    ['get', '/api/market/book?symbol=BTC&venue=sim-kraken&depth=3', 200],
    ['get', '/api/market/trades?symbol=BTC&venue=sim-binance&limit=3', 200],
    ['get', '/api/market/compare?symbol=BTC', 200], ['get', '/api/market/best?symbol=BTC&side=buy&amount=0.01', 200],
    ['get', '/api/market/symbols', 200], ['get', '/api/market/venues', 200], ['get', '/health', 200],
    ['post', '/api/sentiment/analyze', 200, { text: 'ETH looks weak, heading down' }],
    ['get', '/api/market/price', 400], ['get', '/api/market/ohlc?symbol=BTC&timeframe=2m', 400],
    ['get', '/api/market/price?symbol=NOPE', 404], ['post', '/api/market/price', 405],
    ['post', '/api/sentiment/analyze', 400, { text: '' }],
    ['post', '/api/sentiment/analyze', 413, { text: 'x'.repeat(70000) }],
  ];
  for (const [method, url, want, body] of calls) {
    const res = await request.fetch(base + url, { method, data: body, failOnStatusCode: false });
    const route = url.split('?')[0];
    const op = spec.paths[route] && spec.paths[route][method];
    const doc = op ? op.responses[String(res.status())] : spec.components.responses.MethodNotAllowed;
    check(res.status() === want, method.toUpperCase() + ' ' + url + ' answers ' + res.status());
    check(doc !== undefined, method.toUpperCase() + ' ' + url + ': status ' + res.status() + ' is documented');
    let resp = doc;
    while (resp.$ref) resp = resp.$ref.slice(2).split('/').reduce((n, k) => n[k], spec);
    const media = resp.content && resp.content['application/json'];
    const problems = conforms(spec, media.schema, await res.json(), '', []);
    for (const h of Object.keys(resp.headers || {}).filter((k) => k.startsWith('X-RateLimit'))) {
      if (!res.headers()[h.toLowerCase()]) problems.push('header ' + h + ' missing');
    }
    check(problems.length === 0, method.toUpperCase() + ' ' + url + ' matches its schema' +
      (problems.length ? ': ' + problems.slice(0, 8).join('; ') : ''));
  }
}

async function main() {
  fs.mkdirSync(artefacts, { recursive: true });
  for (const f of ['dashboard.png', 'docs.png', 'failure.png']) fs.rmSync(path.join(artefacts, f), { force: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'coinbus-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      /* Nothing but loopback resolves: a page fetching from outside fails loudly. */
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
  const problems = [];
  try {
    log('chromium', context.browser() ? context.browser().version() : '', 'profile', profile);
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    context.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'data:' && !LOOPBACK.has(u.hostname)) problems.push('request outside loopback: ' + r.url());
    });
    try {
      await dashboard(page, problems);
      await docs(page, problems);
      await replies(context.request, await (await context.request.get(base + '/openapi.json')).json());
    } catch (e) {
      const shot = path.join(artefacts, 'failure.png');
      await page.screenshot({ path: shot, fullPage: true }).then(() => log('screenshot of the failure:', shot), () => {});
      throw e;
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  log('all browser checks passed');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
