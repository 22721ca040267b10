// worker-poll in real Chromium, against the built bundles (run `npm run build` first).
//
// How these tests know the polling runs in a Worker, not on the page:
// - Sec-Fetch-Dest cannot tell: a dedicated worker's fetch() is `empty`, like the page's.
// - Referer can: a fetch's referrer is its global's URL. Page fetches carry the page's URL;
//   a Blob worker's carry none (blob: is a local scheme, stripped as a referrer), a
//   `workerUrl` worker's carry that script's URL.
// - The decisive proof: the page's main thread is blocked by a busy loop, and polls keep
//   arriving at the server during the block. Nothing on a blocked main thread can start a
//   fetch; the fallback, measured the same way, gets at most the one already in flight.
//   (Server and browser share this machine's clock, so `Date.now()` on both sides agrees.)
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page, Worker as PageWorker } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStatus, type Status } from '../../demo/server/status.mjs';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

const DIST = resolve(import.meta.dirname, '../../dist');
const CSP = "worker-src 'self'";
const INTERVAL_MS = 100;

interface Log {
  messages: string[];
  errors: string[];
}
interface ClientLike extends EventTarget {
  readonly readyState: number;
  close(): void;
}
interface Bundle {
  RealtimeClient: new (url: string, options: object) => ClientLike;
}
interface PageGlobals {
  Pushline?: Bundle;
  bundles?: Record<string, Bundle>;
  clients: Record<string, { client: ClientLike; log: Log }>;
}

let browser: BrowserContext & { dispose(): Promise<void> };
let server: TestServer;
let other: TestServer;
let status: Status;
let sentinel: Status;
let page: Page;

beforeAll(async () => {
  for (const file of ['worker-poll.mjs', 'pushline.mjs', 'pushline.umd.min.js', 'poll-worker.js']) {
    if (!existsSync(resolve(DIST, file))) throw new Error(`dist/${file} is missing: run 'npm run build' first`);
  }
  const route = (req: Parameters<Status['handle']>[0], res: Parameters<Status['handle']>[1]): void => {
    const csp = new URL(req.url ?? '/', 'http://x').searchParams.get('csp');
    if (serveStatic(req, res, csp ? { 'content-security-policy': csp } : {})) return;
    if (status.handle(req, res) || sentinel.handle(req, res)) return;
    res.writeHead(404).end();
  };
  server = await startServer(route);
  other = await startServer(route); // another origin (another port) for CORS + credentials
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
  await other?.close();
});
beforeEach(async () => {
  status = createStatus({ body: 'doc-1' });
  sentinel = createStatus({ path: '/sentinel' });
  page = await browser.newPage();
});
afterEach(async () => {
  await page.close();
});

async function openPage(csp?: string): Promise<void> {
  await page.goto(`${server.http}/page${csp ? `?csp=${encodeURIComponent(csp)}` : ''}`);
}

/** Starts a client in the page (from an ESM bundle, or the UMD global when `src` is null) and waits for OPEN. */
async function start(name: string, src: string | null, url: string, options: object = {}, tokenHeader = false): Promise<void> {
  if (src) {
    // a string: Vitest would rewrite an import() written inside an evaluate() callback
    const key = JSON.stringify(src);
    await page.evaluate(`import(${key}).then((m) => { (globalThis.bundles ??= {})[${key}] = m; })`);
  }
  await page.evaluate(
    async ({ name, src, url, options, tokenHeader, pollIntervalMs }) => {
      const g = globalThis as unknown as PageGlobals;
      const mod = src ? g.bundles![src]! : g.Pushline!;
      let n = 0;
      const client = new mod.RealtimeClient(url, {
        pollIntervalMs,
        reconnect: { initialDelayMs: 50, maxDelayMs: 50, jitter: 'none' },
        ...options,
        // a function cannot be handed to evaluate(): made here, it must cross to the worker per request
        ...(tokenHeader ? { headers: () => ({ 'X-Token': String(++n) }) } : {}),
      });
      const log: Log = { messages: [], errors: [] };
      client.addEventListener('message', (e) => log.messages.push(String((e as MessageEvent).data)));
      client.addEventListener('error', (e) => log.errors.push((e as Event & { error: Error }).error.name));
      (g.clients ??= {})[name] = { client, log };
      await new Promise((resolve) => client.addEventListener('open', resolve, { once: true }));
    },
    { name, src, url, options, tokenHeader, pollIntervalMs: INTERVAL_MS },
  );
}

const log = (name = 'c'): Promise<Log> =>
  page.evaluate((name) => (globalThis as unknown as PageGlobals).clients[name]!.log, name);

/** Blocks the page's main thread; returns the blocked window in wall-clock ms. */
const blockMainThread = (ms: number): Promise<{ from: number; to: number }> =>
  page.evaluate((ms) => {
    const from = Date.now();
    while (Date.now() - from < ms) {
      // busy: no task, timer or fetch of this thread can run
    }
    return { from, to: Date.now() };
  }, ms);

const arrivedDuring = (s: Status, w: { from: number; to: number }): number =>
  s.requests.filter((r) => r.at > w.from && r.at < w.to).length;

/** Closes a client and proves nothing polls afterwards: another poller's requests are the clock. */
async function closeAndProveSilence(name: string, worker?: PageWorker): Promise<void> {
  const gone = worker?.waitForEvent('close');
  await page.evaluate((name) => (globalThis as unknown as PageGlobals).clients[name]!.client.close(), name);
  await gone;
  expect(page.workers()).toHaveLength(0);
  const before = status.counts.total;
  await start('sentinel', '/dist/worker-poll.mjs', `${server.http}/sentinel`);
  const seen = sentinel.counts.total;
  await expect.poll(() => sentinel.counts.total).toBeGreaterThanOrEqual(seen + 5);
  // at most one request that was already on its way when close() ran
  expect(status.counts.total - before).toBeLessThanOrEqual(1);
  await page.evaluate(() => (globalThis as unknown as PageGlobals).clients['sentinel']!.client.close());
}

describe('worker-poll in Chromium', () => {
  it('ESM: polls from a Blob worker that keeps polling while the main thread is blocked; ETag/304; clean teardown', async () => {
    await openPage();
    const spawned = page.waitForEvent('worker');
    await start('c', '/dist/worker-poll.mjs', `${server.http}/status`);
    const worker = await spawned;
    expect(worker.url()).toMatch(/^blob:/);
    expect(page.workers()).toHaveLength(1);
    expect((await log()).messages).toEqual(['doc-1']);

    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(2);
    const later = status.requests.slice(1);
    expect(later.every((r) => r.ifNoneMatch === '"v1"' && r.ifModifiedSince !== undefined)).toBe(true);
    status.set('doc-2');
    await expect.poll(async () => (await log()).messages).toEqual(['doc-1', 'doc-2']);
    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(3);
    expect(status.counts.ok).toBe(2); // one 200 per version, 304s otherwise

    const blocked = await blockMainThread(2000);
    expect(arrivedDuring(status, blocked)).toBeGreaterThanOrEqual(3);
    expect(status.requests.every((r) => r.referer === undefined)).toBe(true); // no page referrer
    expect(Object.keys(status.counts.byDest)).toEqual(['empty']); // recorded, but proves nothing
    expect((await log()).errors).toEqual([]);

    const blobUrl = worker.url();
    await closeAndProveSilence('c', worker);
    const revoked = await page.evaluate((u) => fetch(u).then(() => false, () => true), blobUrl);
    expect(revoked).toBe(true);
  });

  it(`CSP ${CSP} with workerUrl: the same worker from /dist/poll-worker.js`, async () => {
    await openPage(CSP);
    const spawned = page.waitForEvent('worker');
    await start('c', '/dist/worker-poll.mjs', `${server.http}/status`, { workerUrl: '/dist/poll-worker.js' });
    const worker = await spawned;
    expect(worker.url()).toBe(`${server.http}/dist/poll-worker.js`);
    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(1);
    expect(status.requests.every((r) => r.referer === `${server.http}/dist/poll-worker.js`)).toBe(true);
    const blocked = await blockMainThread(1500);
    expect(arrivedDuring(status, blocked)).toBeGreaterThanOrEqual(3);
    expect(await log()).toEqual({ messages: ['doc-1'], errors: [] });
    await closeAndProveSilence('c', worker);
  });

  it(`CSP ${CSP} without workerUrl: polls on the main thread, one WorkerUnavailableError across reconnects`, async () => {
    await openPage(CSP);
    await start('c', '/dist/pushline.mjs', `${server.http}/status`, { transports: ['worker-poll'] });
    expect(page.workers()).toHaveLength(0);
    expect(await log()).toEqual({ messages: ['doc-1'], errors: ['WorkerUnavailableError'] });
    expect(new Set(status.requests.map((r) => r.referer))).toEqual(new Set([page.url()])); // fetched by the page itself

    status.fail(503);
    // a new connection delivers the current document again
    await expect.poll(async () => (await log()).messages).toEqual(['doc-1', 'doc-1']);
    expect((await log()).errors).toEqual(['WorkerUnavailableError', 'HttpStatusError']);

    // the control for the proof above: a blocked page cannot poll
    const blocked = await blockMainThread(1500);
    expect(arrivedDuring(status, blocked)).toBeLessThanOrEqual(1);
    expect(page.workers()).toHaveLength(0);
    await closeAndProveSilence('c');
  });

  it('UMD: <script> global Pushline polls from a Blob worker', async () => {
    await openPage();
    await page.addScriptTag({ url: '/dist/pushline.umd.min.js' });
    const spawned = page.waitForEvent('worker');
    await start('c', null, `${server.http}/status`, { transports: ['worker-poll'] });
    const worker = await spawned;
    expect(worker.url()).toMatch(/^blob:/);
    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(1);
    status.set('doc-2');
    await expect.poll(async () => (await log()).messages).toEqual(['doc-1', 'doc-2']);
    const blocked = await blockMainThread(1500);
    expect(arrivedDuring(status, blocked)).toBeGreaterThanOrEqual(3);
    expect((await log()).errors).toEqual([]);
    await closeAndProveSilence('c', worker);
  });

  it('cross-origin: withCredentials sends cookies, a headers function is computed per request for the worker', async () => {
    await browser.addCookies([{ name: 'sid', value: 'abc', domain: '127.0.0.1', path: '/' }]);
    await openPage();
    const spawned = page.waitForEvent('worker');
    await start('c', '/dist/pushline.mjs', `${other.http}/status`, { transports: ['worker-poll'], withCredentials: true }, true);
    const worker = await spawned;
    await expect.poll(() => status.counts.total).toBeGreaterThanOrEqual(4);
    const gets = status.requests.slice(0, 4);
    expect(gets.map((r) => r.headers['x-token'])).toEqual(['1', '2', '3', '4']);
    expect(gets.every((r) => r.cookie === 'sid=abc' && r.origin === server.http && r.referer === undefined)).toBe(true);
    expect(status.counts.preflights).toBeGreaterThan(0); // If-None-Match and X-Token are not CORS-safelisted
    expect(status.counts.notModified).toBeGreaterThan(0); // ETag readable cross-origin: exposed by the server
    expect(await log()).toEqual({ messages: ['doc-1'], errors: [] });
    await closeAndProveSilence('c', worker);
    await browser.clearCookies();
  });
});
