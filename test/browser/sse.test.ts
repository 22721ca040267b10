import type { Page } from 'playwright-core';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub } from '../../demo/server/events.mjs';
import { launchChromium, loadModule } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

// Two loopback origins: the page on one port, the event server on another, so every
// request below is cross-origin (CORS, credentials) while staying same-site (the
// cookie set by the page reaches the other port when credentials are included).
let pageServer: TestServer;
let events: TestServer;
let hub: EventHub;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const cookies: Array<[method: string, path: string, cookie: string | undefined]> = [];

type Pushline = typeof import('../../src/entries/index.js');
type Row = [type: string, data: string, lastEventId: string, origin: string];

/** Every WHATWG rule a browser's EventSource applies, in one stream. */
const FIXTURE = Buffer.concat([
  Buffer.from('\ufeff: comment\r\nretry: 10000\r\ndata: first\r\n\r\n'),
  Buffer.from('id: 1\rdata: cr only\r\r'),
  Buffer.from('event: custom\ndata: line1\ndata:line2\ndata:  spaced\n\n'),
  Buffer.from('data\n\nevent: ghost\n\n'),
  Buffer.from('id: 2\0x\ndata: nul id ignored\n\n'),
  Buffer.from('id\ndata: id reset\n\n'),
  Buffer.from('id: 3\ndata: h\u00e9llo \u20ac \ud83d\ude00\n\n'),
  Buffer.from('data: bad '), Buffer.from([0xff]), Buffer.from(' byte\n\n'),
  Buffer.from('retry: x1\nfoo: bar\ndata: : colon\n\n'),
  Buffer.from('event: done\ndata: end\n\ndata: incomplete'),
]);

/** Writes the fixture 3 bytes at a time, so characters and CRLFs are cut across reads. */
function writeFixture(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Access-Control-Allow-Origin': '*' });
  let at = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (at >= FIXTURE.length) return void res.end();
    res.write(FIXTURE.subarray(at, (at += 3)), () => setImmediate(next));
  };
  next();
}

beforeAll(async () => {
  hub = createEventHub();
  pageServer = await startServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  events = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'OPTIONS') cookies.push([req.method ?? '', `${path}${req.url?.includes('long-poll') ? ' long-poll' : ''}`, req.headers.cookie]);
    if (path === '/fixture') return writeFixture(res);
    if (!hub.handle(req, res)) res.writeHead(404).end();
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${pageServer.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'PushlineESM');
  // a first-party cookie of 127.0.0.1: any port, but only sent cross-origin with credentials
  await page.evaluate(() => (globalThis.document.cookie = 'sid=s3cret; path=/'));
});

afterAll(async () => {
  await browser?.dispose();
  hub?.close();
  await events?.close();
  await pageServer?.close();
});

describe('HTTP transports of the built bundle in real Chromium', () => {
  it('native EventSource with withCredentials sends the cookie cross-origin; the POSTed send too', async () => {
    cookies.length = 0;
    const url = `${events.http}/events`;
    const pending = page.evaluate(async (u) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: Pushline }).PushlineESM;
      const client = new RealtimeClient(u, { transports: ['sse'], withCredentials: true });
      (globalThis as unknown as { sseClient: typeof client }).sseClient = client;
      const message = await new Promise<MessageEvent>((resolve) => {
        client.onopen = () => ((globalThis as unknown as { sseOpen: boolean }).sseOpen = true);
        client.onmessage = resolve;
      });
      // with a cursor known, the POST carries Last-Event-ID: a credentialed preflight first
      client.send('from the page');
      return { data: message.data as string, lastEventId: message.lastEventId, readyState: client.readyState, withCredentials: client.withCredentials };
    }, url);
    await page.waitForFunction(() => 'sseOpen' in globalThis);
    hub.publish('message', 'hello page');
    expect(await pending).toEqual({ data: 'hello page', lastEventId: String(hub.log.length), readyState: 1, withCredentials: true });
    await expect.poll(() => hub.received.map((m) => m.data)).toContain('from the page');
    await page.evaluate(() => (globalThis as unknown as { sseClient: { close(): void } }).sseClient.close());
    expect(cookies).toEqual([
      ['GET', '/events', 'sid=s3cret'],
      ['POST', '/events', 'sid=s3cret'],
    ]);
  });

  it('without withCredentials the cookie stays home', async () => {
    cookies.length = 0;
    const url = `${events.http}/events`;
    const open = await page.evaluate(async (u) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: Pushline }).PushlineESM;
      const client = new RealtimeClient(u, { transports: ['sse'] });
      await new Promise((resolve) => (client.onopen = resolve));
      client.close();
      return client.withCredentials;
    }, url);
    expect(open).toBe(false);
    expect(cookies).toEqual([['GET', '/events', undefined]]);
  });

  it('fetch mode delivers exactly what native EventSource does, on the same stream', async () => {
    const url = `${events.http}/fixture`;
    const result = await page.evaluate(async (u) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: Pushline }).PushlineESM;
      const types = ['message', 'custom', 'ghost', 'done'];
      const collect = (source: EventTarget & { close(): void }): Promise<Row[]> =>
        new Promise((resolve) => {
          const rows: Row[] = [];
          for (const type of types) {
            source.addEventListener(type, (event) => {
              const e = event as MessageEvent;
              rows.push([e.type, String(e.data), e.lastEventId, e.origin]);
              if (type !== 'done') return;
              source.close();
              resolve(rows);
            });
          }
        });
      const [raw, native, fetched] = await Promise.all([
        collect(new EventSource(u)),
        collect(new RealtimeClient(u, { transports: ['sse'] })),
        collect(new RealtimeClient(u, { transports: ['sse'], eventSource: 'fetch' })),
      ]);
      return { raw, native, fetched };
    }, url);
    const o = events.http;
    const expected: Row[] = [
      ['message', 'first', '', o],
      ['message', 'cr only', '1', o],
      ['custom', 'line1\nline2\n spaced', '1', o],
      ['message', '', '1', o],
      ['message', 'nul id ignored', '1', o],
      ['message', 'id reset', '', o],
      ['message', 'h\u00e9llo \u20ac \ud83d\ude00', '3', o],
      ['message', 'bad \ufffd byte', '3', o],
      ['message', ': colon', '3', o],
      ['done', 'end', '3', o],
    ];
    expect(result.raw).toEqual(expected);
    expect(result.native).toEqual(result.raw);
    expect(result.fetched).toEqual(result.raw);
  });

  it('long-poll in the page: events in order, sends POSTed with the cookie', async () => {
    cookies.length = 0;
    const first = hub.log.length;
    const url = `${events.http}/events`;
    const pending = page.evaluate(async (u) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: Pushline }).PushlineESM;
      const client = new RealtimeClient(u, { transports: ['long-poll'], withCredentials: true });
      const g = globalThis as unknown as { lpOpen: boolean };
      const data: string[] = [];
      await new Promise<void>((resolve) => {
        client.onopen = () => (g.lpOpen = true);
        client.onmessage = (e) => {
          data.push(String(e.data));
          client.send(`ack ${String(e.data)}`);
          if (data.length === 20) resolve();
        };
      });
      (globalThis as unknown as { lpClient: typeof client }).lpClient = client;
      return { data, transport: client.transport, lastEventId: client.lastEventId };
    }, url);
    await page.waitForFunction(() => 'lpOpen' in globalThis);
    // wait until the poll that will receive them is held, then publish a burst
    await expect.poll(() => hub.connections).toBe(1);
    for (let i = 0; i < 20; i++) hub.publish('message', `lp${i}`);
    const result = await pending;
    const sent = Array.from({ length: 20 }, (_, i) => `lp${i}`);
    expect(result).toEqual({ data: sent, transport: 'long-poll', lastEventId: String(first + 20) });
    await expect.poll(() => hub.received.filter((m) => String(m.data).startsWith('ack lp')).length).toBe(20);
    expect(hub.received.filter((m) => String(m.data).startsWith('ack lp')).map((m) => m.data)).toEqual(sent.map((s) => `ack ${s}`));
    expect(cookies.length).toBeGreaterThan(20);
    expect(cookies.every(([, , cookie]) => cookie === 'sid=s3cret')).toBe(true);
    await page.evaluate(() => (globalThis as unknown as { lpClient: { close(): void } }).lpClient.close());
  });
});
