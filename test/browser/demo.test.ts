// The whole system, as a person would see it: the demo server (in-process) and the
// demo page in real Chromium, driven through the page's own controls. For every
// transport: chat between two tabs, then each chaos fault and the recovery from it,
// asserted on the client's own events (never on wall-clock timings). Screenshots of
// each state go to test-artifacts/demo/ (git-ignored).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../helpers/chromium.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/demo');
/** The SSE `retry:` the server sends: fetch-mode SSE must wait at least this long. */
const RETRY_MS = 250;
/** Page options that make every wait short; the server ticks every 200 ms so silence means trouble. */
const FAST = { initialDelayMs: 50, maxDelayMs: 400, heartbeatMs: 300, idleTimeoutMs: 1200, connectTimeoutMs: 1500, pollMs: 100, windowS: 20 };

interface Rec {
  t: number;
  type: string;
  state?: string;
  attempt?: number;
  delayMs?: number;
  willReconnect?: boolean;
  errorType?: string;
  name?: string;
  status?: number;
  retryAfterMs?: number;
  from?: string;
  to?: string;
  transport?: string;
}
interface Said {
  type: string;
  seq: number;
  name: string;
  text?: string;
  via: string;
}
interface DemoPage {
  ready: boolean;
  records: Rec[];
  chat: { messages: Said[] };
  client: { state: string; transport: string | null; readyState: number } | null;
  upload: { phase: string; total: number; acked: number; sockets: number; serverSha: string; pageSha: string; match: boolean | null; error: string };
  stats: { updates: number; state: string; last: { tick: number; clients: { websocket: number } } | null };
}
type Win = { demo: DemoPage; umdDemo: { ready: boolean; records: Rec[]; messages: Said[] } };

let server: DemoServer;
let uploadDir: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  uploadDir = mkdtempSync(join(tmpdir(), 'pushline-demo-uploads-'));
  server = await startDemoServer({ port: 0, uploadDir, tickMs: 200, retryMs: RETRY_MS });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
  rmSync(uploadDir, { recursive: true, force: true });
});
afterEach(() => server.chaos.reset());

// --- helpers ---------------------------------------------------------------------

const query = (params: Record<string, string | number>): string =>
  new URLSearchParams(Object.entries({ ...FAST, stats: 0, ...params }).map(([k, v]) => [k, String(v)])).toString();

/** Opens the demo page and waits until its client is OPEN. */
async function openDemo(params: Record<string, string | number>, base = server.url): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1360, height: 900 });
  // what is still loading when something hangs
  const pending = new Set<string>();
  page.on('request', (r) => pending.add(r.url()));
  page.on('requestfinished', (r) => pending.delete(r.url()));
  page.on('requestfailed', (r) => pending.delete(r.url()));
  const t0 = Date.now();
  await page.goto(`${base}/?${query(params)}`);
  try {
    await page.waitForFunction(() => (globalThis as unknown as Win).demo?.client?.state === 'open', null, { timeout: 15000 });
  } catch (error) {
    const records = await page.evaluate(() => (globalThis as unknown as Win).demo?.records.slice(-30));
    const seen = server.requests.filter((r) => r.at >= t0).map((r) => `${r.method} ${r.path} ${r.status}`);
    throw new Error(
      `the page never opened (${JSON.stringify(params)}); its last events: ${JSON.stringify(records)}; ` +
        `still loading: ${[...pending].join(', ')}; the server saw: ${seen.join(', ')}; chaos: ${JSON.stringify(server.chaos.state())}`,
      { cause: error },
    );
  }
  return page;
}

/** A full-page screenshot, from the top (the sticky header would land mid-page otherwise). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => globalThis.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Types a chat message into the page's form and sends it with Enter. */
async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-text', text);
  await page.press('#chat-text', 'Enter');
}

/** Resolves with the message once the page shows it, confirmed by the server. */
async function sees(page: Page, text: string): Promise<Said> {
  const handle = await page.waitForFunction(
    (t) => (globalThis as unknown as Win).demo.chat.messages.find((m) => m.text === t),
    text,
  );
  return (await handle.jsonValue()) as Said;
}

const isOpen = (page: Page): Promise<unknown> => page.waitForFunction(() => (globalThis as unknown as Win).demo.client?.state === 'open');

/** Both ways between two pages, with fresh texts, once both are connected. */
async function talk(a: Page, b: Page, tag: string): Promise<void> {
  const there = `${tag}: a→b ${randomBytes(3).toString('hex')}`;
  const back = `${tag}: b→a ${randomBytes(3).toString('hex')}`;
  // a WebSocket send on a socket that is dying is lost (WebSocket has no acks): talk on live links
  await Promise.all([isOpen(a), isOpen(b)]);
  await say(a, there);
  await sees(b, there);
  await say(b, back);
  await sees(a, back);
}

const mark = (page: Page): Promise<number> => page.evaluate(() => (globalThis as unknown as Win).demo.records.length);
const since = (page: Page, from: number): Promise<Rec[]> =>
  page.evaluate((f) => (globalThis as unknown as Win).demo.records.slice(f), from);

/** Waits for a record of `type` (and `errorType`) after index `from`; returns the records from there. */
async function waitFor(page: Page, from: number, type: string, errorType?: string): Promise<Rec[]> {
  await page.waitForFunction(
    ([f, ty, et]) => (globalThis as unknown as Win).demo.records.slice(f as number).some((r) => r.type === ty && (!et || r.errorType === et)),
    [from, type, errorType] as const,
  );
  return since(page, from);
}

/** Index of the first record matching `test` at or after `start`, else -1. */
const find = (records: Rec[], test: (r: Rec) => boolean, start = 0): number => records.findIndex((r, i) => i >= start && test(r));

async function post(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST' });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A raw GET: the path goes out exactly as written, unnormalised. */
function rawGet(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      res.resume();
      done({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', fail);
    req.end();
  });
}

/** Tries a WebSocket to the server; resolves 'open' or the handshake's HTTP status. */
function tryWebSocket(url: string, origin?: string, protocol?: string): Promise<'open' | number> {
  return new Promise((done) => {
    const ws = new WebSocket(url, protocol ? [protocol] : [], origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      done('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      done(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

// --- every transport ---------------------------------------------------------------

interface Case {
  choice: 'websocket' | 'sse' | 'sse-fetch' | 'long-poll' | 'worker-poll';
  /** The transport name the client reports. */
  transport: string;
  /** The other tab's transport: chat crosses transports too. */
  partner: string;
  /** Whether a drop ends the client's connection (polls between requests do not notice it). */
  dropCloses: boolean;
  /** Whether the client sees HTTP statuses and Retry-After (native EventSource and WebSocket do not). */
  seesStatus: boolean;
  /** The smallest reconnect delay after a drop (SSE `retry:` in fetch mode). */
  floorMs: number;
}

const CASES: Case[] = [
  { choice: 'websocket', transport: 'websocket', partner: 'long-poll', dropCloses: true, seesStatus: false, floorMs: 0 },
  { choice: 'sse', transport: 'sse', partner: 'websocket', dropCloses: true, seesStatus: false, floorMs: 0 },
  { choice: 'sse-fetch', transport: 'sse', partner: 'websocket', dropCloses: true, seesStatus: true, floorMs: RETRY_MS },
  // a held poll cut before any byte of its answer is retried by the browser itself
  // (an idempotent GET on a reused connection), and between polls nothing is open
  { choice: 'long-poll', transport: 'long-poll', partner: 'websocket', dropCloses: false, seesStatus: true, floorMs: 0 },
  { choice: 'worker-poll', transport: 'worker-poll', partner: 'websocket', dropCloses: false, seesStatus: true, floorMs: 0 },
];

describe.each(CASES)('demo page on $choice', ({ choice, transport, partner, dropCloses, seesStatus, floorMs }) => {
  let a: Page;
  let b: Page;
  beforeAll(async () => {
    a = await openDemo({ transport: choice, name: `Ada-${choice}` });
    b = await openDemo({ transport: partner, name: `Bob-${choice}` });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('chat crosses tabs and transports, both ways', async () => {
    expect(await a.evaluate(() => (globalThis as unknown as Win).demo.client?.transport)).toBe(transport);
    const hello = `hello from ${choice} ${randomBytes(3).toString('hex')}`;
    await say(a, hello);
    const got = await sees(b, hello);
    expect(got).toMatchObject({ type: 'says', name: `Ada-${choice}`, via: transport });
    const reply = `hi back from ${partner} to ${choice} ${randomBytes(3).toString('hex')}`;
    await say(b, reply);
    expect(await sees(a, reply)).toMatchObject({ name: `Bob-${choice}`, via: partner === 'websocket' ? 'websocket' : partner });
    // the server numbered each message once, whatever path it took
    const seqs = await a.evaluate(() => (globalThis as unknown as Win).demo.chat.messages.map((m) => m.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    await shot(a, `${choice}-1-chat`);
  });

  it('drop: every socket destroyed, the client reconnects (or never notices) and nothing is lost', async () => {
    const from = await mark(a);
    const { dropped } = await post('/chaos/drop');
    expect(dropped).toBeGreaterThan(0);
    // said while the page is cut off: it arrives after all (SSE and long-poll resume from
    // lastEventId, WebSocket backfills from the chat log, worker-poll reads the whole log)
    const during = `said during the drop ${randomBytes(3).toString('hex')}`;
    const sent = await fetch(`${server.url}/events`, { method: 'POST', body: JSON.stringify({ type: 'says', name: 'Zed', text: during }) });
    expect(sent.status).toBe(204);
    if (dropCloses) {
      const records = await waitFor(a, from, 'open');
      const closed = find(records, (r) => r.type === 'close');
      expect(records[closed]).toMatchObject({ willReconnect: true });
      const retry = records[find(records, (r) => r.type === 'reconnecting', closed)]!;
      // native EventSource makes the first reconnection itself, after the server's retry:
      // (invisible to the page), so only the client's own delays are checked against the policy
      if (choice !== 'sse') {
        expect(retry.delayMs).toBeGreaterThanOrEqual(floorMs);
        expect(retry.delayMs).toBeLessThanOrEqual(Math.max(FAST.maxDelayMs, floorMs));
      }
      expect(find(records, (r) => r.type === 'open', closed)).toBeGreaterThan(closed);
    }
    await sees(a, during);
    await talk(a, b, `${choice} after drop`);
    expect((await since(a, from)).filter((r) => r.type === 'close' && !r.willReconnect)).toEqual([]);
    await shot(a, `${choice}-2-after-drop`);
  });

  it('503: refused with Retry-After, the client waits at least that long, then recovers', async () => {
    const from = await mark(a);
    const t0 = Date.now();
    await post('/chaos/refuse?seconds=2');
    const records = await waitFor(a, from, 'open');
    if (seesStatus) {
      const refused = find(records, (r) => r.type === 'error' && r.status === 503);
      expect(records[refused]).toMatchObject({ errorType: 'http-status' });
      // Retry-After is the refusal's remaining whole seconds, rounded up
      const floor = records[refused]!.retryAfterMs!;
      expect([1000, 2000]).toContain(floor);
      const retry = records[find(records, (r) => r.type === 'reconnecting', refused)]!;
      expect(retry.delayMs).toBeGreaterThanOrEqual(floor);
    } else {
      // WebSocket and EventSource hide the status: the server saw its 503s go out
      const path = transport === 'websocket' ? '/chat' : '/events';
      expect(server.requests.filter((r) => r.at >= t0 && r.path === path && r.status === 503).length).toBeGreaterThan(0);
      expect(find(records, (r) => r.type === 'reconnecting')).toBeGreaterThanOrEqual(0);
    }
    await talk(a, b, `${choice} after 503`);
    await shot(a, `${choice}-3-after-503`);
  });

  it('freeze: the half-open connection is detected and the client recovers when it thaws', async () => {
    const from = await mark(a);
    await post('/chaos/freeze?seconds=60');
    // heartbeat (WebSocket) or idle timeout (every transport): silence is a dead link
    await waitFor(a, from, 'error', 'heartbeat-timeout');
    await shot(a, `${choice}-4-frozen`);
    await post('/chaos/thaw');
    await talk(a, b, `${choice} after freeze`);
    const records = await since(a, from);
    const detected = find(records, (r) => r.type === 'error' && r.errorType === 'heartbeat-timeout');
    const closed = find(records, (r) => r.type === 'close', detected);
    expect(records[closed]).toMatchObject({ willReconnect: true });
    expect(find(records, (r) => r.type === 'open', closed)).toBeGreaterThan(closed);
    await shot(a, `${choice}-5-thawed`);
  });
});

// --- upload, fallback, stats, UMD ----------------------------------------------------

describe('demo page, whole flows', () => {
  it('uploads a file through a drop: resumed on a second socket, right sha256 on both sides', async () => {
    const page = await openDemo({ transport: 'websocket', name: 'Uma' });
    const size = 12 * 1024 * 1024;
    const data = randomBytes(size);
    const expected = createHash('sha256').update(data).digest('hex');
    // drop every socket once the server holds a third of the file: mid-upload, by construction
    const dropped = new Promise<void>((done) => {
      const onData = ({ received }: { received: number }): void => {
        if (received < size / 3) return;
        server.events.off('upload-data', onData);
        server.chaos.drop();
        done();
      };
      server.events.on('upload-data', onData);
    });
    const finished = new Promise<{ id: string; sha256: string }>((done) => server.events.once('upload-done', done));
    const receivedBefore = server.uploads.received;
    await page.setInputFiles('#upload-file', { name: 'payload.bin', mimeType: 'application/octet-stream', buffer: data });
    await page.click('#upload-start');
    await dropped;
    await page.waitForFunction(() => ['done', 'failed', 'aborted'].includes((globalThis as unknown as Win).demo.upload.phase));
    const upload = await page.evaluate(() => ({ ...(globalThis as unknown as Win).demo.upload }));
    expect(upload).toMatchObject({ phase: 'done', total: size, acked: size, serverSha: expected, pageSha: expected, match: true });
    expect(upload.sockets).toBeGreaterThanOrEqual(2);
    expect(await page.textContent('#sha-verdict')).toBe('✓ match');
    const done = await finished;
    expect(done.sha256).toBe(expected);
    expect(createHash('sha256').update(readFileSync(server.sink.pathOf(done.id))).digest('hex')).toBe(expected);
    // resumed, not restarted: only what was in flight and unacknowledged at the drop went twice
    expect(server.uploads.received - receivedBefore).toBeLessThan(size + 2 * 1024 * 1024);
    await shot(page, 'upload-done');
    await page.close();
  });

  it('fallback chain: WebSocket refused, the client falls back to SSE and chats from there', async () => {
    await post('/chaos/block-websocket?on=1');
    const page = await openDemo({ transport: 'chain', name: 'Cy' });
    const records = await since(page, 0);
    expect(records.find((r) => r.type === 'fallback')).toMatchObject({ from: 'websocket', to: 'sse' });
    expect(await page.evaluate(() => (globalThis as unknown as Win).demo.client?.transport)).toBe('sse');
    await say(page, 'hello from the chain');
    expect(await sees(page, 'hello from the chain')).toMatchObject({ via: 'sse' });
    await shot(page, 'chain-fallback');
    await page.close();
  });

  it('worker-poll status panel: ETag changes arrive, unchanged polls are 304s', async () => {
    const before = server.status.counts.notModified;
    const page = await openDemo({ transport: 'websocket', name: 'Sam', stats: 1 });
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as Win).demo.stats;
      return s.state === 'open' && s.updates >= 3;
    });
    const stats = await page.evaluate(() => (globalThis as unknown as Win).demo.stats.last!);
    expect(stats.clients.websocket).toBeGreaterThanOrEqual(1);
    expect(Number(await page.textContent('#stat-ws'))).toBeGreaterThanOrEqual(1);
    await expect.poll(() => server.status.counts.notModified).toBeGreaterThan(before);
    expect(server.status.requests.some((r) => r.ifNoneMatch !== undefined)).toBe(true);
    await say(page, 'a message for the overview');
    await sees(page, 'a message for the overview');
    await shot(page, 'overview');
    await page.close();
  });

  it('UMD page: global Pushline from a <script> tag, chatting with the ESM page', async () => {
    const esm = await openDemo({ transport: 'sse', name: 'Esme' });
    const umd = await browser.newPage();
    await umd.goto(`${server.url}/umd.html?${query({ transport: 'websocket', name: 'Umi' })}`);
    await umd.waitForFunction(() => (globalThis as unknown as Win).umdDemo?.records.some((r) => r.type === 'open'));
    expect(await umd.textContent('#state-pill')).toBe('open');
    await umd.fill('#chat-text', 'hello from the UMD build');
    await umd.press('#chat-text', 'Enter');
    expect(await sees(esm, 'hello from the UMD build')).toMatchObject({ name: 'Umi', via: 'websocket' });
    await say(esm, 'hello UMD');
    await umd.waitForFunction(() => (globalThis as unknown as Win).umdDemo.messages.some((m) => m.text === 'hello UMD'));
    await shot(umd, 'umd');
    await umd.close();
    await esm.close();
  });
});

// --- the server's edges --------------------------------------------------------------

describe('demo server', () => {
  it('checks Origin on WebSocket upgrades and on HTTP transports', async () => {
    const ws = server.url.replace('http', 'ws');
    expect(await tryWebSocket(`${ws}/chat`, 'http://evil.example')).toBe(403);
    expect(await tryWebSocket(`${ws}/upload`, 'http://evil.example', 'pushline-upload.v1')).toBe(403);
    expect(await tryWebSocket(`${ws}/chat`, server.url)).toBe('open');
    expect(await tryWebSocket(`${ws}/nowhere`, server.url)).toBe(404);
    expect((await rawGet('/events', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawGet('/', { host: 'evil.example' })).status).toBe(421);
  });

  it('serves only the demo and dist folders', async () => {
    for (const path of ['/dist/..%2f..%2fpackage.json', '/dist/../package.json', '/%2e%2e/package.json', '/server.mjs', '/chaos.mjs', '/server/events.mjs', '/dist/', '/dist/%00']) {
      expect((await rawGet(path)).status, path).toBe(404);
    }
    expect((await rawGet('/dist/pushline.mjs')).status).toBe(200);
    const page = await rawGet('/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['set-cookie'])).toMatch(/^pushline_demo=\w+; Path=\/; SameSite=Lax; HttpOnly/);
    // the documents cannot be replaced from outside
    expect((await rawGet('/status', {}, 'POST')).status).toBe(405);
  });

  it('says so on the page when the bundle cannot load (dist/ not built)', async () => {
    const page = await browser.newPage();
    await page.route('**/dist/pushline.mjs', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.goto(`${server.url}/?${query({ autoconnect: 0 })}`);
    await expect.poll(() => page.textContent('#boot-error')).toContain('npm run demo');
    await page.close();
  });

  it('cross-origin with credentials: the page on one port, the server on another, the cookie goes along', async () => {
    const other = await startDemoServer({ port: 0, tickMs: 200, retryMs: RETRY_MS, allowedOrigins: [server.url] });
    try {
      // loaded from `server` (which sets the cookie), connected to `other`: same site, another origin
      const page = await openDemo({ transport: 'sse', name: 'Xo', server: other.url, credentials: 1 });
      await say(page, 'across origins');
      await sees(page, 'across origins');
      const seen = other.requests.filter((r) => r.path === '/events' && r.origin === server.url);
      expect(seen.some((r) => r.method === 'GET' && r.cookie && r.status === 200)).toBe(true);
      expect(seen.some((r) => r.method === 'POST' && r.cookie && r.status === 204)).toBe(true);
      await page.close();
      // CORS answers name the origin (never *), allow credentials and expose Retry-After, 503s included
      other.chaos.refuse(5);
      const refused = await fetch(`${other.url}/events`, { headers: { origin: server.url } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('access-control-allow-origin')).toBe(server.url);
      expect(refused.headers.get('access-control-allow-credentials')).toBe('true');
      expect(refused.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
      expect(refused.headers.get('retry-after')).toBe('5');
      await refused.body?.cancel();
      expect(await tryWebSocket(`${other.url.replace('http', 'ws')}/chat`, server.url)).toBe(503);
      other.chaos.reset();
      expect(await tryWebSocket(`${other.url.replace('http', 'ws')}/chat`, server.url)).toBe('open');
    } finally {
      await other.close();
    }
  });
});
