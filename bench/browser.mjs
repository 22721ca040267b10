// Throughput in real Chromium: RealtimeClient vs the raw WebSocket vs
// reconnecting-websocket, in the same page, against the same loopback server,
// runs interleaved, median of RUNS. Prints and returns ratios; asserts nothing.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

const ROOT = resolve(import.meta.dirname, '..');
const FILES = {
  '/dist/pushline.umd.min.js': 'dist/pushline.umd.min.js',
  '/rws.js': 'node_modules/reconnecting-websocket/dist/reconnecting-websocket-iife.min.js',
};
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts the page server and a ws server that blasts or counts on request. */
export async function startBenchServer(extra = () => false) {
  const server = createServer((req, res) => {
    if (extra(req, res)) return;
    const file = FILES[req.url];
    if (file) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(ROOT, file)));
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/bench')) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws) => {
    let expected = 0;
    let got = 0;
    ws.on('message', (raw) => {
      const text = String(raw);
      if (text.startsWith('blast:')) {
        const [, n, size] = text.split(':').map(Number);
        const payload = 'x'.repeat(size);
        for (let i = 0; i < n; i++) ws.send(payload);
      } else if (text.startsWith('expect:')) {
        expected = Number(text.slice(7));
        got = 0;
      } else if (++got === expected) ws.send('got');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, wss, url: `http://127.0.0.1:${server.address().port}` };
}

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'pushline-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ARGS });
  return { context, dispose: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

// Runs in the page: opens a socket of `kind`, then times `mode` ('in' or 'out') for n messages.
export function pageRun({ kind, mode, n, size, url }) {
  const make = {
    raw: () => new WebSocket(url),
    pushline: () => new globalThis.Pushline.RealtimeClient(url, { transports: ['websocket'] }),
    rws: () => new globalThis.ReconnectingWebSocket(url),
  }[kind];
  return new Promise((resolveRun) => {
    const socket = make();
    let count = 0;
    let t0 = 0;
    socket.onopen = () => {
      if (mode === 'in') {
        socket.onmessage = () => {
          if (++count === n) {
            const ms = performance.now() - t0;
            socket.close();
            resolveRun(ms);
          }
        };
        t0 = performance.now();
        socket.send(`blast:${n}:${size}`);
      } else {
        socket.send(`expect:${n}`);
        socket.onmessage = () => {
          const ms = performance.now() - t0;
          socket.close();
          resolveRun(ms);
        };
        const payload = 'y'.repeat(size);
        t0 = performance.now();
        for (let i = 0; i < n; i++) socket.send(payload);
      }
    };
  });
}

/** Inbound and outbound messages/s for each kind; median over interleaved runs. */
export async function throughput({ runs = 7, n = 100000, size = 64 } = {}) {
  const srv = await startBenchServer();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}/`);
    await page.addScriptTag({ url: '/dist/pushline.umd.min.js' });
    await page.addScriptTag({ url: '/rws.js' });
    const kinds = ['raw', 'pushline', 'rws'];
    const result = {};
    for (const mode of ['in', 'out']) {
      const times = Object.fromEntries(kinds.map((k) => [k, []]));
      await page.evaluate(pageRun, { kind: 'raw', mode, n: n / 10, size, url: `${srv.url.replace('http', 'ws')}/bench` }); // warm-up
      for (let r = 0; r < runs; r++) {
        // rotate the order so no kind always runs first or last
        for (const kind of kinds.map((_, i) => kinds[(i + r) % kinds.length])) {
          times[kind].push(await page.evaluate(pageRun, { kind, mode, n, size, url: `${srv.url.replace('http', 'ws')}/bench` }));
        }
      }
      result[mode] = Object.fromEntries(kinds.map((k) => [k, Math.round(n / (median(times[k]) / 1000))]));
      // per-round ratios against the raw socket of the same round: robust to drift in machine load
      result[mode].pairedPushline = median(times.raw.map((t, i) => t / times.pushline[i]));
      result[mode].pairedRws = median(times.raw.map((t, i) => t / times.rws[i]));
    }
    return result;
  } finally {
    await browser.dispose();
    srv.wss.close();
    srv.server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await throughput();
  for (const mode of ['in', 'out']) {
    console.log(`${mode}bound msgs/s: raw ${r[mode].raw}, pushline ${r[mode].pushline} (ratio ${(r[mode].pushline / r[mode].raw).toFixed(3)}), reconnecting-websocket ${r[mode].rws} (ratio ${(r[mode].rws / r[mode].raw).toFixed(3)})`);
  }
}
