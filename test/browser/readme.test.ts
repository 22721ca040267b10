// Every runnable TypeScript block of README.md, run as written in real Chromium
// against the demo server (`startDemoServer({ port: 0 })`), bundled with esbuild
// from the built package and served from an app origin of its own on 127.0.0.1
// (which the demo server is told to allow). The README's `/live` stands for "your
// server's realtime endpoint": the page maps it to the demo's (WebSocket `/chat`,
// SSE and long-poll `/events`), as an app's reverse proxy would. A block fails when any client emits
// an `error` event, or the page logs an error or throws.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../helpers/chromium.js';
import { readmeSnippets, STUB_RUNTIME, withImports, type Snippet } from '../helpers/readme.js';

const ROOT = resolve(import.meta.dirname, '../..');
const snippets = readmeSnippets().filter((s) => s.runnable);

interface Seen {
  events: { type: string; state: string; lastIn?: string; error?: { name: string; type?: string; message: string } }[];
  frames: { dir: 'in' | 'out'; data: string }[];
}
type Win = { readmeSeen: Seen };

let scratch: string;
let server: DemoServer;
/** The app's own origin: serves each block's page at /readme/<n>. */
let app: Server;
let appUrl: string;
const pages = new Map<string, string>();
let browser: Awaited<ReturnType<typeof launchChromium>>;

/**
 * Before any page script: `/live` goes to the demo's endpoints, and every event a
 * RealtimeClient dispatches and every WebSocket frame is recorded in `readmeSeen`.
 */
const observe = (demo: string): string => `(() => {
  const DEMO = ${JSON.stringify(demo)};
  const seen = (globalThis.readmeSeen = { events: [], frames: [] });
  const endpoint = (url, path) => {
    const u = new URL(String(url), location.href);
    if (u.host !== location.host || u.pathname !== '/live') return String(url);
    const to = new URL(path + u.search, DEMO);
    if (u.protocol.startsWith('ws')) to.protocol = to.protocol.replace('http', 'ws');
    return to.href;
  };
  const NativeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(endpoint(url, '/chat'), protocols);
      this.addEventListener('message', (e) => seen.frames.push({ dir: 'in', data: String(e.data) }));
    }
    send(data) {
      seen.frames.push({ dir: 'out', data: String(data) });
      super.send(data);
    }
  };
  const NativeEventSource = globalThis.EventSource;
  globalThis.EventSource = class extends NativeEventSource {
    constructor(url, init) { super(endpoint(url, '/events'), init); }
  };
  const nativeFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => nativeFetch(typeof input === 'string' || input instanceof URL ? endpoint(input, '/events') : input, init);
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    // a RealtimeClient: the only EventTarget with both of these
    if ('lastEventId' in this && 'transport' in this && !(this instanceof NativeEventSource)) {
      const error = event.error;
      const lastIn = seen.frames.filter((f) => f.dir === 'in').at(-1);
      seen.events.push({
        type: event.type,
        state: this.state,
        ...(lastIn ? { lastIn: lastIn.data.slice(0, 80) } : {}),
        ...(error ? { error: { name: error.name, type: error.type, message: String(error.message) } } : {}),
      });
    }
    return dispatch.call(this, event);
  };
})();`;

/** The block as a page module: the stubs the README leaves to the app, then the block. */
async function bundle(snippet: Snippet): Promise<string> {
  const result = await build({
    stdin: { contents: `${STUB_RUNTIME}\n${withImports(snippet).code}`, loader: snippet.lang, resolveDir: scratch, sourcefile: `README.md:${snippet.line}` },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

beforeAll(async () => {
  // a scratch app whose node_modules/pushline is this (built) package
  scratch = mkdtempSync(join(tmpdir(), 'pushline-readme-app-'));
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(ROOT, join(scratch, 'node_modules/pushline'), 'dir');
  app = createServer((req, res) => {
    const body = pages.get(req.url ?? '');
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((done) => app.listen(0, '127.0.0.1', done));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  server = await startDemoServer({ port: 0, allowedOrigins: [appUrl] });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
  await new Promise((done) => app?.close(done));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const seen = (page: Page): Promise<Seen> => page.evaluate(() => (globalThis as unknown as Win).readmeSeen);

describe('README.md blocks run in Chromium against the demo server', () => {
  it('has runnable blocks', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  for (const snippet of snippets) {
    const first = snippet.code.split('\n').find((l) => l.trim() && !l.startsWith('import '))!.trim();
    const heartbeat = /\bheartbeat\s*:/.test(snippet.code);
    it(`README.md:${snippet.line} (${first.slice(0, 60)}${heartbeat ? ', with heartbeat' : ''}): no error event, no page error`, async () => {
      const code = await bundle(snippet);
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`uncaught: ${String(error)}`));
      page.on('console', (message) => message.type() === 'error' && problems.push(`console.error: ${message.text()}`));
      try {
        await page.addInitScript(observe(server.url));
        const path = `/readme/${snippet.line}`;
        pages.set(path, `<!doctype html><link rel="icon" href="data:,"><title>README.md:${snippet.line}</title><script type="module">${code.replaceAll('</script', '<\\/script')}</script>`);
        await page.goto(`${appUrl}${path}`);
        await page.waitForFunction(() => (globalThis as unknown as Win).readmeSeen.events.some((e) => e.type === 'open'), null, { timeout: 15000 });
        if (heartbeat) {
          // one heartbeat round trip: a ping went out (plain, or a pushline.v1 frame in reliable mode) and its answer came back
          await page.waitForFunction(
            () => {
              const frames = (globalThis as unknown as Win).readmeSeen.frames;
              const out = frames.findIndex((f) => f.dir === 'out' && (f.data === 'ping' || f.data === '{"type":"ping"}'));
              return out >= 0 && frames.slice(out + 1).some((f) => f.dir === 'in');
            },
            null,
            { timeout: 60000, polling: 100 },
          ).catch(async (error: unknown) => {
            const { events, frames } = await seen(page);
            throw new Error(`no heartbeat round trip; the client's events: ${events.map((e) => e.type).join(' ')}; frames: ${JSON.stringify(frames.slice(-10))}`, { cause: error });
          });
        }
        // whatever the last frame set off has been dispatched by the time this task runs
        await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
        const { events } = await seen(page);
        for (const e of events.filter((e) => e.type === 'error')) {
          const after = e.lastIn === undefined ? '' : ` (last inbound WebSocket frame: ${JSON.stringify(e.lastIn)})`;
          problems.push(`error event (client ${e.state}): ${e.error?.name}${e.error?.type ? ` [${e.error.type}]` : ''}: ${e.error?.message}${after}`);
        }
        expect(problems, `README.md:${snippet.line} ran with errors`).toEqual([]);
      } finally {
        await page.close();
      }
    }, heartbeat ? 120000 : 60000);
  }
});
