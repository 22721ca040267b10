/**
 * Standard servers that are not ours, in real Chromium (issue 11): one that reads
 * only the Last-Event-ID header, one on another origin that never answers OPTIONS,
 * one with non-ASCII ids, one that names its events like the client's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub } from '../../demo/server/events.mjs';
import { launchChromium, loadModule } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

let pageServer: TestServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const servers: TestServer[] = [];

type Pushline = typeof import('../../src/entries/index.js');
interface Win {
  P: Pushline;
  got: Record<string, string[]>;
  clients: Array<{ close(): void }>;
  events: Record<string, unknown[]>;
}

beforeAll(async () => {
  pageServer = await startServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${pageServer.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'P');
  await page.evaluate(() => Object.assign(globalThis, { got: {}, clients: [], events: {} }));
});
afterEach(async () => {
  await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    for (const c of w.clients) c.close();
    w.clients = [];
  });
  for (const s of servers.splice(0)) await s.close();
});
afterAll(async () => {
  await browser?.dispose();
  await pageServer?.close();
});

/** Starts `name` in the page: a RealtimeClient (or, for `control`, a plain EventSource) collecting message data. */
async function collect(name: string, url: string, options: Record<string, unknown>, control = false): Promise<void> {
  await page.evaluate(
    ({ name, url, options, control }) => {
      const w = globalThis as unknown as Win;
      const got = (w.got[name] = [] as string[]);
      const events = (w.events[name] = [] as unknown[]);
      if (control) {
        const es = new EventSource(url);
        es.onmessage = (e) => got.push(String(e.data));
        w.clients.push(es);
        return;
      }
      const c = new w.P.RealtimeClient(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
      c.on('message', (e) => got.push(String(e.data)));
      for (const type of ['reconnecting', 'error', 'fallback'] as const) c.addEventListener(type, (e) => events.push([type, (e as Event & { error?: Error }).error?.message]));
      w.clients.push(c);
    },
    { name, url, options, control },
  );
}
const received = (name: string): Promise<string[]> => page.evaluate((n) => (globalThis as unknown as Win).got[n]!, name);
const seenEvents = (name: string): Promise<Array<[string, unknown]>> => page.evaluate((n) => (globalThis as unknown as Win).events[n]! as Array<[string, unknown]>, name);
async function until(name: string, total: number): Promise<void> {
  await expect.poll(async () => (await received(name)).length, { timeout: 40000, interval: 100 }).toBeGreaterThanOrEqual(total);
}
function report(got: string[], total: number): { lost: number; duplicated: number; outOfOrder: number } {
  const n = got.map(Number);
  const unique = new Set(n);
  return {
    lost: Array.from({ length: total }, (_, i) => i + 1).filter((i) => !unique.has(i)).length,
    duplicated: n.length - unique.size,
    outOfOrder: n.filter((v, i) => i > 0 && v <= n[i - 1]!).length,
  };
}

/** A plain SSE server that resumes from the Last-Event-ID header only (as most do), never the query. */
async function headerOnlyServer(retryMs: number): Promise<{ server: TestServer; publish(n: number): void; cursors: Array<string | undefined> }> {
  const log: string[] = [];
  const streams = new Set<ServerResponse>();
  const cursors: Array<string | undefined> = [];
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['last-event-id'] as string | undefined;
    cursors.push(header);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
    const from = header === undefined ? log.length : Number(header);
    res.write(`retry: ${retryMs}\n\n${log.slice(from).join('')}`);
    streams.add(res);
    res.on('close', () => streams.delete(res));
  });
  servers.push(server);
  return {
    server,
    cursors,
    publish(n) {
      const frame = `id: ${n}\ndata: ${n}\n\n`;
      log.push(frame);
      for (const res of streams) res.write(frame);
    },
  };
}

describe('native SSE against a server that reads only the Last-Event-ID header', () => {
  it('loses nothing over drops and a quick restart, like a plain EventSource', async () => {
    const TOTAL = 800;
    const h = await headerOnlyServer(300);
    const url = `${h.server.http}/events`;
    await collect('pushline', url, { transports: ['sse'] });
    await collect('control', url, {}, true);
    await expect.poll(() => h.cursors.length).toBe(2);
    for (let n = 1; n <= TOTAL; n++) {
      h.publish(n);
      if (n % 70 === 0 || n === 400) {
        const before = h.cursors.length;
        if (n === 400) {
          // a restart shorter than the server's retry:
          await h.server.stop();
          await new Promise((r) => setTimeout(r, 100));
          await h.server.start();
        } else {
          // every socket destroyed: the browser's own reconnection resumes with the header
          h.server.kill();
        }
        // both clients are back before the next drop
        await expect.poll(() => h.cursors.length, { timeout: 20000 }).toBeGreaterThanOrEqual(before + 2);
      }
      if (n % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await until('pushline', TOTAL).catch(async (e: unknown) => {
      console.info('events seen by pushline:', JSON.stringify(await seenEvents('pushline')), 'cursors', h.cursors, 'received', (await received('pushline')).length);
      throw e;
    });
    await until('control', TOTAL);
    const ours = report(await received('pushline'), TOTAL);
    const theirs = report(await received('control'), TOTAL);
    console.info('header-only server, native SSE: pushline', ours, 'plain EventSource', theirs, 'reconnections with the header', h.cursors.filter(Boolean).length);
    expect(theirs).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(ours).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect((await seenEvents('pushline')).filter(([t]) => t === 'reconnecting').length).toBeGreaterThanOrEqual(11);
  });
});

describe('a cross-origin server that never answers OPTIONS (no preflight support)', () => {
  let hub: EventHub;
  async function noPreflightServer(): Promise<string> {
    hub = createEventHub({ holdMs: 2000 });
    const server = await startServer((req, res) => {
      if (req.method === 'OPTIONS') return void res.writeHead(405).end();
      if (!hub.handle(req, res)) res.writeHead(404).end();
    });
    servers.push(server);
    return `${server.http}/events`;
  }

  it.each([
    ['fetch SSE', { transports: ['sse'], eventSource: 'fetch' }],
    ['long-poll', { transports: ['long-poll'] }],
  ])('%s resumes across drops with the query cursor alone: nothing lost', async (name, options) => {
    const TOTAL = 200;
    const url = await noPreflightServer();
    const preflights: number[] = [];
    page.on('request', (r) => r.method() === 'OPTIONS' && preflights.push(1));
    await collect(name, url, options);
    await expect.poll(() => hub.connections).toBe(1);
    const server = servers.at(-1)!;
    for (let n = 1; n <= TOTAL; n++) {
      hub.publish('message', String(n));
      if (n % 25 === 0) {
        // once the client holds a cursor (a kill destroys what is still unflushed), cut every socket
        await expect.poll(async () => (await received(name)).length, { timeout: 20000 }).toBeGreaterThan(n - 20);
        server.kill();
        await new Promise((r) => setTimeout(r, 30));
      }
    }
    await until(name, TOTAL);
    const r = report(await received(name), TOTAL);
    console.info(`no-preflight cross-origin server, ${name}:`, r);
    expect(r).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(preflights).toEqual([]);
    hub.close();
  });
});

describe('non-ASCII ids (same origin: the Last-Event-ID header carries them)', () => {
  it.each([
    ['fetch SSE', { transports: ['sse'], eventSource: 'fetch' }],
    ['long-poll', { transports: ['long-poll'] }],
    ['native SSE', { transports: ['sse'] }],
  ])('%s resumes through ids like "…" and emoji', async (_name, options) => {
    const ids = ['1 …', '2 日本', '3 \u{1F600}', '4 ü', '5'];
    const headers: string[] = [];
    // same origin as the page: this server serves the page too
    const server = await startServer((req, res) => {
      if (serveStatic(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://x');
      const raw = req.headers['last-event-id'];
      if (typeof raw === 'string') headers.push(Buffer.from(raw, 'latin1').toString('utf8'));
      const cursor = url.searchParams.get('lastEventId') ?? (typeof raw === 'string' ? Buffer.from(raw, 'latin1').toString('utf8') : undefined);
      const from = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`retry: 50\n\n${ids.slice(from, from + 1).map((id) => `id: ${id}\ndata: ${ids.indexOf(id) + 1}\n\n`).join('')}`);
    });
    servers.push(server);
    const own = await browser.newPage();
    try {
      await own.goto(`${server.http}/page`);
      await loadModule(own, '/dist/pushline.mjs', 'P');
      await own.evaluate(({ url, options }) => {
        const w = globalThis as unknown as Win & { c: { close(): void } };
        w.got = { ids: [] };
        const c = new w.P.RealtimeClient(url, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, ...(options as object) });
        c.on('message', (e) => w.got['ids']!.push(String(e.data)));
        w.c = c;
      }, { url: `${server.http}/events`, options });
      await expect.poll(() => own.evaluate(() => (globalThis as unknown as Win).got['ids']!.length), { timeout: 20000 }).toBe(5);
      expect(await own.evaluate(() => (globalThis as unknown as Win).got['ids'])).toEqual(['1', '2', '3', '4', '5']);
      expect(headers.every((h) => ids.includes(h))).toBe(true);
      await own.evaluate(() => (globalThis as unknown as { c: { close(): void } }).c.close());
    } finally {
      await own.close();
    }
  });
});

describe("server events named like the client's own (native EventSource)", () => {
  it('event: error / open / close arrive as messages; no reconnect, messages() does not end', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'access-control-allow-origin': '*' });
      res.write(['error', 'open', 'close', 'reconnecting'].map((t, i) => `event: ${t}\nid: ${i + 1}\ndata: ${t}\n\n`).join('') + 'data: last\n\n');
    });
    servers.push(server);
    await collect('named', `${server.http}/events`, { transports: ['sse'] });
    await until('named', 5);
    expect(await received('named')).toEqual(['error', 'open', 'close', 'reconnecting', 'last']);
    expect(await seenEvents('named')).toEqual([]);
  });
});

describe('native SSE and idleTimeoutMs: only events count (EventSource hides comments)', () => {
  it('a stream with events more often than idleTimeoutMs stays open; a comments-only stream times out', async () => {
    const comments = new Set<ServerResponse>();
    const eventful = new Set<ServerResponse>();
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'access-control-allow-origin': '*' });
      res.write(': hello\n\n');
      (req.url?.includes('comments') ? comments : eventful).add(res);
    });
    servers.push(server);
    let n = 0;
    const timer = setInterval(() => {
      for (const res of comments) res.write(': keep-alive\n\n');
      for (const res of eventful) res.write(`data: ${++n}\n\n`);
    }, 200);
    try {
      await collect('eventful', `${server.http}/events`, { transports: ['sse'], idleTimeoutMs: 1000 });
      await collect('comments', `${server.http}/comments`, { transports: ['sse'], idleTimeoutMs: 1000 });
      await until('eventful', 15);
      await expect.poll(async () => (await seenEvents('comments')).some(([t, m]) => t === 'error' && /no data/.test(String(m)))).toBe(true);
      expect((await seenEvents('eventful')).filter(([t]) => t === 'error')).toEqual([]);
    } finally {
      clearInterval(timer);
    }
  });
});
