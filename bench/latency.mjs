// Message latency server -> page in real Chromium, per transport, on loopback:
// the server stamps each message with its wall clock (performance.timeOrigin +
// performance.now(), sub-millisecond) and the page subtracts on arrival. The raw
// WebSocket and the raw EventSource are the references, measured in the same run.
import { createEventHub } from '../demo/server/events.mjs';
import { launch, median, startBenchServer } from './browser.mjs';

const now = () => performance.timeOrigin + performance.now();
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

// Runs in the page: connects `kind`, resolves once open; `window.collect(n)` then gathers n latencies.
function pageConnect({ kind, base }) {
  const g = globalThis;
  const lat = [];
  let want = Infinity;
  let done;
  const onData = (data) => {
    lat.push(performance.timeOrigin + performance.now() - Number(data));
    if (lat.length >= want) done(lat);
  };
  g.collect = (n) => new Promise((r) => ((want = n), (done = r), lat.length >= n && r(lat)));
  return new Promise((opened) => {
    const P = g.Pushline;
    const make = {
      'raw WebSocket': () => new WebSocket(`${base.replace('http', 'ws')}/latency`),
      'raw EventSource': () => new EventSource(`${base}/events`),
      websocket: () => new P.RealtimeClient(`${base}/latency`, { transports: ['websocket'] }),
      'sse (native)': () => new P.RealtimeClient(`${base}/events`, { transports: ['sse'] }),
      'sse (fetch)': () => new P.RealtimeClient(`${base}/events`, { transports: ['sse'], eventSource: 'fetch' }),
      'long-poll': () => new P.RealtimeClient(`${base}/events`, { transports: ['long-poll'] }),
    }[kind];
    const c = make();
    g.current = c;
    c.onmessage = (e) => onData(e.data);
    c.onopen = () => opened();
  });
}

/** p50/p99 latency per kind: `n` messages, one every `gapMs`, median of the per-run percentiles over `runs`. */
export async function latency({ n = 200, gapMs = 5, runs = 3 } = {}) {
  const hub = createEventHub({ keepAliveMs: 60000, holdMs: 25000 });
  const srv = await startBenchServer((req, res) => hub.handle(req, res));
  const sockets = new Set();
  srv.server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/latency')) return;
    srv.wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const browser = await launch();
  const kinds = ['raw WebSocket', 'websocket', 'raw EventSource', 'sse (native)', 'sse (fetch)', 'long-poll'];
  const out = Object.fromEntries(kinds.map((k) => [k, { p50: [], p99: [] }]));
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}/`);
    await page.addScriptTag({ url: '/dist/pushline.umd.min.js' });
    for (let r = 0; r < runs; r++) {
      for (const kind of kinds) {
        await page.evaluate(pageConnect, { kind, base: srv.url });
        const isWs = kind.includes('ebSocket') || kind === 'websocket';
        // long-poll: let the first poll be held before publishing, as in steady state
        if (kind === 'long-poll') while (hub.connections < 1) await new Promise((x) => setTimeout(x, 5));
        const collected = page.evaluate((count) => globalThis.collect(count), n);
        for (let i = 0; i < n; i++) {
          const stamp = String(now());
          if (isWs) for (const ws of sockets) ws.send(stamp);
          else hub.publish('message', stamp);
          await new Promise((x) => setTimeout(x, gapMs));
        }
        const lat = await collected;
        await page.evaluate(() => globalThis.current.close());
        out[kind].p50.push(pct(lat, 50));
        out[kind].p99.push(pct(lat, 99));
      }
    }
  } finally {
    await browser.dispose();
    hub.close?.();
    srv.wss.close();
    srv.server.closeAllConnections?.();
    srv.server.close();
  }
  return Object.fromEntries(kinds.map((k) => [k, { p50: median(out[k].p50), p99: median(out[k].p99) }]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [kind, { p50, p99 }] of Object.entries(await latency())) console.log(`${kind.padEnd(16)} p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms`);
}
