// Behind a real nginx (issue 11 item 6, and docs/SERVER.md "Behind a proxy"):
// Debian's nginx started by the test with a temp prefix and config, reverse-
// proxying one origin (the page, /dist and the live paths) to a hub on the built
// server kit (memoryLog). The real client in Chromium, `reliable: true`.
//
// - long-poll: the hub holds a poll 10 s, nginx's proxy_read_timeout is 2 s, so
//   every held poll comes back as nginx's 504. Across at least 8 of them the
//   reconnect attempt counter never climbs above 1, each retry waits within the
//   first attempt's cap, and every event published meanwhile arrives.
// - SSE: with `proxy_buffering off`, and with buffering left on (the hub's
//   `X-Accel-Buffering: no` turns it off per response), each event arrives
//   before the next is published; and with that header ignored by nginx, an
//   event sits in nginx's buffer (the premise: the header is what makes it work).
// - WebSocket: upgrade headers forwarded, a read timeout shorter than the quiet
//   gaps, the hub's pings keep the one socket alive; events and sends go through.
//
// Chromium rather than Node's fetch: the browser's own HTTP stack (connection
// reuse, its resend of a GET cut on a reused socket, native EventSource and its
// reconnection) sits between the client and nginx, as in production.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, loadModule } from '../helpers/chromium.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { allOpened, closeClients, counts, flushAll, openClients, records, sendFromPage, settleAsync } from '../helpers/page-clients.js';
import { audit } from '../helpers/scale.js';
import { serveStatic } from '../helpers/static.js';

type ServerKit = typeof import('../../src/entries/server.js');
type Hub = ReturnType<ServerKit['createHub']>;

/** How long the hub holds a poll, and nginx's read timeout for /lp (shorter: every held poll is cut). */
const HOLD_MS = 10000;
const LP_READ_TIMEOUT_S = 2;
/** nginx's read timeout for /ws, and the hub's ping period that keeps a quiet socket under it. */
const WS_READ_TIMEOUT_S = 3;
const PING_MS = 500;
/** The long-poll client's policy: the default but for a small initial delay. */
const INITIAL_DELAY_MS = 250;
const TIMEOUTS = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let hub: Hub | undefined;
let upstream: Server | undefined;
let nginx: Nginx | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let page: Page | undefined;
const handled: string[] = [];

beforeAll(async () => {
  // the built server kit, as users run it (typed from its source)
  const kit = (await import(/* @vite-ignore */ new URL('../../dist/server.mjs', import.meta.url).href)) as ServerKit;
  hub = kit.createHub({ log: kit.memoryLog(), holdMs: HOLD_MS, keepAliveMs: 1000, pingIntervalMs: PING_MS });
  hub.on('message', ({ sessionId, seq, data }) => void handled.push(`${sessionId}/${seq}/${String(data)}`));
  upstream = createServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  hub.attach(upstream, { path: ['/lp', '/sse', '/sse-buffered', '/sse-ignore', '/ws'] });
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
  const to = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  nginx = await startNginx(
    (port, dir) => `
  log_format t '$request_method $uri $status $upstream_status $request_time';
  access_log ${dir}/access.log t;
  proxy_max_temp_file_size 0;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    # the hub checks Origin against the Host it sees: pass the public one on
    proxy_set_header Host $http_host;
    location = /lp { proxy_pass ${to}; proxy_read_timeout ${LP_READ_TIMEOUT_S}s; }
    location = /sse { proxy_pass ${to}; proxy_buffering off; }
    # buffering on (nginx's default) and HTTP/1.0 to the hub (nginx's default too; over
    # 1.1 nginx hands each chunk of a chunked answer on at once even when buffering):
    # the hub's X-Accel-Buffering: no turns buffering off for the response
    location = /sse-buffered { proxy_pass ${to}; }
    # the premise: the same, with the header ignored
    location = /sse-ignore { proxy_pass ${to}; proxy_ignore_headers X-Accel-Buffering; }
    location = /ws {
      proxy_pass ${to};
      proxy_http_version 1.1;
      # a proxy_set_header here replaces every inherited one: Host again
      proxy_set_header Host $http_host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout ${WS_READ_TIMEOUT_S}s;
    }
    location / { proxy_pass ${to}; }
  }`,
  );
  browser = await launchChromium();
  page = await browser.newPage();
  // the page from nginx too: one origin for the page and every live path
  await page.goto(`${nginx.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'P');
});
afterEach(async () => {
  await closeClients(page);
});
afterAll(async () => {
  await browser?.dispose();
  await nginx?.stop();
  await hub?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
});

/** Access-log lines for `uri` with `status`. */
const logged = (uri: string, status: number): number => nginx!.accessLog().filter((l) => l.split(' ')[1] === uri && l.split(' ')[2] === String(status)).length;

describe('long-poll behind nginx with proxy_read_timeout shorter than the hold', () => {
  it(`across ${TIMEOUTS}+ of nginx's 504s: the attempt counter stays at 1, each retry within the first cap, 0 events lost`, { timeout: 180000 }, async () => {
    await openClients(page!, [{ name: 'lp', url: `${nginx!.http}/lp`, options: { reliable: true, transports: ['long-poll'], reconnect: { initialDelayMs: INITIAL_DELAY_MS } } }]);
    expect(await settleAsync(() => allOpened(page!), 20000)).toBe(true);
    const before = logged('/lp', 504);
    const published: string[] = [];
    // quiet gaps of about three read timeouts (held polls ending in 504 after 504, with
    // no event in between to reset the counter), then a small burst: some of it lands
    // while the client waits to retry, some in a fresh poll
    const deadline = Date.now() + 150000;
    while (logged('/lp', 504) - before < TIMEOUTS + 2 && Date.now() < deadline) {
      await sleep(3 * LP_READ_TIMEOUT_S * 1000 + 1000 + Math.random() * 800);
      for (let k = 1 + Math.floor(Math.random() * 3); k > 0; k--) {
        const data = `lp:${published.length}`;
        await hub!.publish(data);
        published.push(data);
        await sleep(Math.random() * 300);
      }
    }
    await settleAsync(async () => (await counts(page!))['lp']! >= published.length, 30000);
    const r = (await records(page!))['lp']!;
    const timeouts = logged('/lp', 504) - before;
    const attempts = r.reconnecting.map((x) => x.attempt);
    const delays = r.reconnecting.map((x) => Math.round(x.delayMs));
    const got = audit(r.got, published);
    // the longest run of retries with no event in between: what would grow a backoff
    const streak = Math.max(...r.timeline.join(' ').split('message').map((run) => run.split('reconnecting').length - 1));
    console.info(
      `long-poll behind nginx (hold ${HOLD_MS} ms, proxy_read_timeout ${LP_READ_TIMEOUT_S}s): 504s ${timeouts}, reconnecting ${r.reconnecting.length}, longest streak ${streak},` +
        ` attempts ${JSON.stringify(attempts)}, delays ms ${JSON.stringify(delays)} (cap ${INITIAL_DELAY_MS}),` +
        ` events published ${published.length}, received ${r.got.length}, lost ${got.lost}, duplicated ${got.duplicated}`,
    );
    // the 504 path really ran, and each one reached the client as a 504
    expect(timeouts, 'held polls cut by nginx with a 504').toBeGreaterThanOrEqual(TIMEOUTS);
    expect(r.reconnecting.filter((x) => x.reason.includes('504')).length).toBeGreaterThanOrEqual(TIMEOUTS);
    expect(streak, '504s in a row, with nothing else to reset the counter').toBeGreaterThanOrEqual(3);
    expect(Math.max(...attempts), 'the attempt counter never climbs').toBe(1);
    expect(delays.every((d) => d >= 0 && d <= INITIAL_DELAY_MS), 'every retry within the first attempt cap').toBe(true);
    expect({ ...got, resets: r.resets }).toEqual({ lost: 0, duplicated: 0, reordered: 0, resets: 0 });
  });
});

describe('SSE behind nginx', () => {
  /** Publishes `n` events one at a time; each must reach the client before the next is published. */
  async function stepByStep(path: string, eventSource: 'native' | 'fetch', n: number): Promise<{ stalled: number | undefined; got: ReturnType<typeof audit> }> {
    const name = `${path}-${eventSource}`;
    await openClients(page!, [{ name, url: `${nginx!.http}${path}`, options: { reliable: true, transports: ['sse'], eventSource } }]);
    expect(await settleAsync(() => allOpened(page!), 20000), `${name}: the stream opened through nginx (a buffered one never does)`).toBe(true);
    const published: string[] = [];
    let stalled: number | undefined;
    for (let i = 0; i < n && stalled === undefined; i++) {
      published.push(`${name}:${i}`);
      await hub!.publish(published[i]!);
      // a deadline, not a measurement: buffered, the event would wait for kilobytes more
      if (!(await settleAsync(async () => (await counts(page!))[name]! > i, 10000, 20))) stalled = i;
    }
    const r = (await records(page!))[name]!;
    return { stalled, got: audit(r.got, published) };
  }

  it.each([
    ['/sse', 'native'],
    ['/sse', 'fetch'],
    ['/sse-buffered', 'native'],
    ['/sse-buffered', 'fetch'],
  ] as const)('%s (%s EventSource): each event arrives before the next is published, none lost', async (path, mode) => {
    const { stalled, got } = await stepByStep(path, mode, 15);
    console.info(`SSE behind nginx ${path} (${mode}): stalled at ${stalled ?? 'none'}, ${JSON.stringify(got)}`);
    expect({ stalled, ...got }).toEqual({ stalled: undefined, lost: 0, duplicated: 0, reordered: 0 });
  });

  it('premise: with buffering on and X-Accel-Buffering ignored, an event stays in nginx', async () => {
    const sessionId = `nginx-ignored-${Math.random().toString(36).slice(2, 10)}`;
    let open = false;
    const off = hub!.on('connection', (c) => void (open ||= c.sessionId === sessionId));
    await openClients(page!, [{ name: 'ignored', url: `${nginx!.http}/sse-ignore`, options: { reliable: true, transports: ['sse'], eventSource: 'fetch', sessionId } }]);
    // the stream is open at the hub (through nginx, which holds even its first bytes back)
    expect(await settleAsync(async () => open, 20000)).toBe(true);
    off();
    await hub!.publish('held back by nginx');
    // absence can only be shown over a while; a slow machine cannot make it arrive sooner
    await sleep(3000);
    const r = (await records(page!))['ignored']!;
    console.info(`SSE behind nginx /sse-ignore (fetch): after 3 s, opens ${r.opens}, events ${r.got.length}`);
    expect({ opens: r.opens, events: r.got.length }, 'nginx buffered the stream: without the header, buffering breaks SSE').toEqual({ opens: 0, events: 0 });
  });
});

describe('WebSocket behind nginx', () => {
  it(`upgrade headers forwarded; pings every ${PING_MS} ms keep one socket over quiet gaps longer than proxy_read_timeout ${WS_READ_TIMEOUT_S}s; events and sends once`, { timeout: 60000 }, async () => {
    const sessionId = `nginx-ws-${Math.random().toString(36).slice(2, 10)}`;
    await openClients(page!, [{ name: 'ws', url: `${nginx!.http}/ws`, options: { reliable: true, transports: ['websocket'], sessionId } }]);
    expect(await settleAsync(() => allOpened(page!), 20000)).toBe(true);
    const published: string[] = [];
    const plan = Array.from({ length: 20 }, (_, k) => ({ client: 'ws', data: `ws-send:${k}` }));
    for (let gap = 0; gap < 3; gap++) {
      for (let k = 0; k < 10; k++) {
        published.push(`ws:${published.length}`);
        await hub!.publish(published.at(-1)!);
      }
      await sendFromPage(page!, plan.slice(gap * 7, gap * 7 + 7), 5);
      // quiet for longer than nginx's read timeout: only the hub's pings cross it
      await sleep(WS_READ_TIMEOUT_S * 1000 + 500);
    }
    const flushed = await flushAll(page!, 20000);
    await settleAsync(async () => (await counts(page!))['ws']! >= published.length, 20000);
    const r = (await records(page!))['ws']!;
    const sent = plan.map((p, k) => `${sessionId}/${k + 1}/${p.data}`);
    const mine = handled.filter((h) => h.startsWith(`${sessionId}/`));
    const got = audit(r.got, published);
    console.info(`WebSocket behind nginx: opens ${r.opens}, reconnecting ${r.reconnecting.length}, ${JSON.stringify(got)}, sends ${sent.length} handled ${mine.length}, flush ${flushed}`);
    expect(flushed).toBe('flushed');
    expect(got).toEqual({ lost: 0, duplicated: 0, reordered: 0 });
    expect([...mine].sort()).toEqual([...sent].sort());
    expect({ opens: r.opens, reconnecting: r.reconnecting.length }, 'one socket the whole time').toEqual({ opens: 1, reconnecting: 0 });
    expect(logged('/ws', 101)).toBe(0); // still open: nginx logs a WebSocket when it ends
  });
});
