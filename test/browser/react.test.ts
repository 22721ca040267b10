// pushline/react in real Chromium: a React 19 app bundled with esbuild from the
// built package (through its exports map, as an app would), rendered under
// <StrictMode> (development build, so effects mount, unmount and mount again),
// against a real `ws` server on 127.0.0.1 that counts connections and closes.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { launchChromium } from '../helpers/chromium.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Connection {
  path: string;
  socket: WebSocket;
  /** The TCP socket under it: paused, the server does not answer the closing handshake. */
  tcp: Socket;
  /** The close code the server saw, once closed. */
  closed?: number;
  received: string[];
}
interface AppState {
  ready: boolean;
  reduced: number;
  states: string[];
  events: number;
  clients: Set<unknown>;
  client: { state: string; readyState: number };
  unmount(): void;
  rerender(): void;
  hide(): void;
  blink(): void;
  afterHide: string;
  effects: number;
  show(): void;
  navigate(path: string): void;
}
type Win = { app: AppState };

let scratch: string;
let bundle: string;
let http: Server;
let wss: WebSocketServer;
let origin: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let connections: Connection[] = [];
let page: Page;
let pageErrors: string[] = [];

/** esbuild, from a scratch project whose node_modules/pushline is this (built) package. */
async function bundleApp(): Promise<string> {
  scratch = mkdtempSync(join(tmpdir(), 'pushline-react-app-'));
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(ROOT, join(scratch, 'node_modules/pushline'), 'dir');
  for (const dep of ['react', 'react-dom']) symlinkSync(join(ROOT, 'node_modules', dep), join(scratch, 'node_modules', dep), 'dir');
  const result = await build({
    entryPoints: [join(ROOT, 'test/browser/fixtures/react-app.jsx')],
    // resolve from the scratch project, not from this repository's root
    nodePaths: [join(scratch, 'node_modules')],
    absWorkingDir: scratch,
    bundle: true,
    write: false,
    format: 'esm',
    jsx: 'automatic',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

beforeAll(async () => {
  bundle = await bundleApp();
  http = createServer((req, res) => {
    if (req.url?.startsWith('/app.js')) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><div id="root"></div><script type="module" src="/app.js"></script>');
  });
  wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket, req) => {
    const connection: Connection = { path: req.url ?? '', socket, tcp: req.socket, received: [] };
    connections.push(connection);
    socket.on('message', (data) => connection.received.push(String(data)));
    socket.on('close', (code) => (connection.closed = code));
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  origin = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  wss?.close();
  await new Promise((done) => http?.close(done));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  connections = [];
  pageErrors = [];
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
  await page.goto(`http://${origin}/?ws=${encodeURIComponent(`ws://${origin}`)}`);
  await page.waitForFunction(() => (globalThis as unknown as Win).app?.ready);
  await isOpen('the first render');
});
afterEach(async () => {
  await page.close();
  expect(pageErrors).toEqual([]);
});

const app = <T>(fn: (app: AppState) => T): Promise<T> => page.evaluate((f) => new Function('app', `return (${f})(app)`)((globalThis as unknown as Win).app), fn.toString()) as Promise<T>;
const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for: ${what}`);
};
/** Waits for the page's client to show `open`; says what the page and the server saw if it never does. */
async function isOpen(when: string): Promise<void> {
  try {
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'open', null, { timeout: 10000 });
  } catch (error) {
    const state = await page.textContent('#state').catch(() => '(no #state)');
    const seen = connections.map((c) => `${c.path} closed=${c.closed}`);
    throw new Error(`after ${when} the client never opened: it shows '${state}'; the server saw ${seen.length} connection(s): ${seen.join(', ')}; page errors: ${pageErrors.join(' | ')}`, { cause: error });
  }
}
const publish = (connection: Connection, n: number, text: string): void => connection.socket.send(JSON.stringify({ n, text }));

describe('pushline/react under <StrictMode>', () => {
  it('opens exactly one WebSocket, and the page shows the open state', async () => {
    expect(connections.map((c) => c.path)).toEqual(['/a']);
    expect(await page.textContent('#state')).toBe('open');
    expect(await page.getAttribute('#state', 'data-ready-state')).toBe('1');
    // StrictMode rendered twice (React discards one): at most two clients were
    // constructed, only one connected
    expect(await app((a) => a.clients.size)).toBeLessThanOrEqual(2);
  });

  it('renders every message once: one listener per message, no duplicates', async () => {
    const [live] = connections;
    for (let n = 1; n <= 5; n++) publish(live!, n, `message ${n}`);
    await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 5);
    expect(await page.$$eval('#messages li', (items) => items.map((li) => li.textContent))).toEqual([
      'message 1', 'message 2', 'message 3', 'message 4', 'message 5',
    ]);
    expect(await page.textContent('#last')).toBe('message 5');
    // the reducer ran once per message, and useRealtimeEvent's listener fired once per message
    expect(await app((a) => [a.reduced, a.events])).toEqual([5, 5]);
  });

  it('keeps the connection across re-renders with fresh inline options, and calls the latest callbacks', async () => {
    await app((a) => a.rerender());
    await app((a) => a.rerender());
    await page.click('#send');
    const [live] = connections;
    await until(() => live!.received.length === 1, 'the page send');
    // serialize from the latest render (tick 2), through the same client
    expect(JSON.parse(live!.received[0]!)).toEqual({ text: 'from the page', tick: 2 });
    expect(connections).toHaveLength(1);
    expect(live!.closed).toBeUndefined();
  });

  it('a new url closes the old connection and opens one new one; the folded messages start again', async () => {
    publish(connections[0]!, 1, 'on /a');
    await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 1);
    await app((a) => a.navigate('/b'));
    await until(() => connections.length === 2 && connections[0]!.closed !== undefined, 'the switch to /b');
    await isOpen('the switch to /b');
    expect(connections.map((c) => [c.path, c.closed])).toEqual([['/a', 1000], ['/b', undefined]]);
    expect(await page.$$eval('#messages li', (items) => items.length)).toBe(0);
    publish(connections[1]!, 1, 'on /b');
    await page.waitForFunction(() => document.querySelector('#messages li')?.textContent === 'on /b');
    expect(await page.$$eval('#messages li', (items) => items.map((li) => li.textContent))).toEqual(['on /b']);
  });

  it('a hidden <Activity> closes the connection; shown again, the same client connects once more', async () => {
    const clients = await app((a) => a.clients.size);
    await app((a) => a.hide());
    await until(() => connections[0]!.closed !== undefined, 'the close when hidden');
    expect(connections[0]!.closed).toBe(1000);
    await app((a) => a.show());
    await until(() => connections.length === 2, 'the connection when shown again');
    await isOpen('showing the <Activity> again');
    expect(await app((a) => a.clients.size)).toBe(clients);
    expect(connections.map((c) => c.closed)).toEqual([1000, undefined]);
  });

  it('hidden and shown again while the socket is still closing: it reconnects once it has closed', async () => {
    const [live] = connections;
    // the server holds the closing handshake until we let it read again
    live!.tcp.pause();
    const effects = await app((a) => a.effects);
    await app((a) => a.blink());
    expect(await app((a) => a.afterHide)).toBe('closing');
    await page.waitForFunction((n) => (globalThis as unknown as Win).app.effects > n, effects);
    expect(await app((a) => a.client.state)).toBe('closing');
    live!.tcp.resume();
    await until(() => connections.length === 2, 'the connection once the old one has closed');
    await isOpen('showing the <Activity> again while closing');
    expect(connections.map((c) => c.closed)).toEqual([1000, undefined]);
  });

  it('closes the socket on unmount: the server sees the close', async () => {
    const [live] = connections;
    await app((a) => a.unmount());
    await page.waitForSelector('#gone');
    await until(() => live!.closed !== undefined, 'the server to see the close');
    expect(live!.closed).toBe(1000);
    expect(await app((a) => a.client.state)).toBe('closed');
    expect(connections).toHaveLength(1);
  });
});
