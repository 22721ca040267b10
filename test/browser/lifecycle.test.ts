/**
 * The page lifecycle in real Chromium: a hidden page under `lifecycle.hidden:
 * 'pause'`, a back/forward-cache restore, and the browser going offline and online.
 * (Headless Chromium cannot hide a page through CDP: the test overrides
 * `document.visibilityState` and dispatches `visibilitychange`, as a browser does.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium, loadModule } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

let server: TestServer;
let opens = 0;
let closes = 0;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (serveStatic(req, res)) return;
    if (req.url?.startsWith('/events?transport=long-poll')) return void setTimeout(() => res.writeHead(204).end(), 500);
    if (req.url?.startsWith('/events')) return void res.writeHead(200, { 'content-type': 'text/event-stream' }).write(':ok\n\n');
    if (req.url === '/other') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other</title>');
    res.writeHead(404).end();
  });
  server.wss.on('connection', (ws) => {
    opens++;
    ws.on('close', () => closes++);
  });
});
afterAll(async () => server?.close());

type Pushline = typeof import('../../src/entries/index.js');
interface Win {
  P: Pushline;
  c: InstanceType<Pushline['RealtimeClient']>;
  log: string[];
}
async function start(page: Page, options: Record<string, unknown>): Promise<void> {
  await page.goto(`${server.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'P');
  await page.evaluate(({ url, options }) => {
    const w = globalThis as unknown as Win;
    w.log = [];
    w.c = new w.P.RealtimeClient(url, { transports: ['websocket'], reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, ...options });
    for (const t of ['open', 'close', 'reconnecting'] as const) w.c.addEventListener(t, () => w.log.push(t));
  }, { url: `${server.http}/events`, options });
  await page.waitForFunction(() => (globalThis as unknown as Win).c.state === 'open');
}
const state = (page: Page) => page.evaluate(() => {
  const c = (globalThis as unknown as Win).c;
  return [c.state, c.readyState, c.transport] as const;
});

describe('page lifecycle in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.dispose());

  it("hidden: 'pause' closes the socket (the server sees it) and reconnects when visible", async () => {
    const page = await browser.newPage();
    await start(page, { lifecycle: { hidden: 'pause' } });
    const [o, c] = [opens, closes];
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => closes).toBe(c + 1);
    expect(await state(page)).toEqual(['reconnecting', 0, null]);
    await new Promise((r) => setTimeout(r, 600)); // longer than any retry delay: still paused
    expect(opens).toBe(o);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => opens).toBe(o + 1);
    expect(await state(page)).toEqual(['open', 1, 'websocket']);
    await page.close();
  });

  it('offline: retries wait for online; online reconnects at once', async () => {
    const context = await browser.newPage();
    await start(context, { reconnect: { initialDelayMs: 20000, maxDelayMs: 20000, jitter: 'none' } });
    const o = opens;
    await browser.setOffline(true);
    expect(await context.evaluate(() => navigator.onLine)).toBe(false);
    server.kill(); // the connection is lost while the browser is offline
    await context.waitForFunction(() => (globalThis as unknown as Win).c.state === 'reconnecting');
    await browser.setOffline(false);
    // `online` starts the pending attempt at once, not 20 s later
    await expect.poll(() => opens, { timeout: 10000 }).toBe(o + 1);
    await context.waitForFunction(() => (globalThis as unknown as Win).c.state === 'open');
    await context.close();
  });
});

describe('back/forward cache', () => {
  let context: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'pushline-bfcache-'));
    // Playwright turns the back/forward cache off by default: turn it back on
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it.each(['websocket', 'sse', 'long-poll'])('%s: a page restored from the back/forward cache reconnects at once (pageshow persisted)', async (transport) => {
    const page = await context.newPage();
    await start(page, { transports: [transport] });
    await page.goto(`${server.http}/other`);
    // a restore from the cache fires no load event
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => 'c' in globalThis && (globalThis as unknown as Win).c.state === 'open' && (globalThis as unknown as Win).log.length > 2);
    const log = await page.evaluate(() => (globalThis as unknown as Win).log);
    // the same page, not a reload (whose client would have logged one open): it dropped the stale connection and opened a new one
    expect(log).toEqual(['open', 'close', 'open']);
    await page.close();
  });
});
