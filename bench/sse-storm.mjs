// Native SSE reconnect storm after a server restart (issue 11 item 1), in real
// Chromium: N `RealtimeClient`s with `transports: ['sse']` (native EventSource,
// whose first reconnection after a drop is the browser's own and honours
// `retry:`) in one page, against the server kit sending either a fixed
// `retry: 1000` or its default per-connection random `retryMs: [1000, 5000]`.
// Chromium keeps at most 6 HTTP/1.1 connections per origin, so the clients are
// spread over many ports of 127.0.0.1, `perPort` each, all served by one hub. Once
// every stream is open and has been up past minUptimeMs, every server stops (all
// streams dropped, new connections refused) and listens again after `downMs`.
// The server records when each client's requests arrive; the figure is the largest
// share of the clients whose requests arrive within any one 100 ms window.
//
//   node bench/sse-storm.mjs [--clients=200] [--mode=standalone|devtools]
import { createServer } from 'node:http';
import { cliArgs } from './browser.mjs';
import { median, runPage, sleep, startHost, wallNow } from './chromium.mjs';
import { peakWindowShare } from './storm.mjs';

export const SCENARIOS = [
  { kind: 'pushline sse (native)', retry: 1000, downMs: 0 },
  { kind: 'pushline sse (native)', retry: 1000, downMs: 1000 },
  { kind: 'pushline sse (native)', retry: [1000, 5000], downMs: 0 },
  { kind: 'pushline sse (native)', retry: [1000, 5000], downMs: 1000 },
  // the reference: what a crowd of plain EventSources does on its own
  { kind: 'raw EventSource', retry: 1000, downMs: 0 },
];

const listen = (server, port = 0) => new Promise((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', () => (server.off('error', fail), ok(server.address().port))));
const close = (server) => new Promise((ok) => (server.closeAllConnections(), server.close(() => ok())));

export async function sseStormRun({ kind, retry, downMs, clients = 200, perPort = 5, mode = 'standalone', settleMs = 6000, maxWaitMs = 40000 }) {
  const { createHub, memoryLog } = await import('../dist/server.mjs');
  const hub = createHub({ log: memoryLog(), retryMs: retry, allowedOrigins: '*', pingIntervalMs: 0 });
  const endpoint = hub.handler({ path: '/live' });
  let arrivals = [];
  const handler = (req, res) => {
    const c = new URL(req.url, 'http://x').searchParams.get('c');
    if (req.method === 'GET' && c !== null) arrivals.push({ id: Number(c), t: wallNow() });
    if (!endpoint.handleRequest(req, res)) res.writeHead(404).end();
  };
  const servers = Array.from({ length: Math.ceil(clients / perPort) }, () => createServer(handler));
  const ports = [];
  for (const s of servers) ports.push(await listen(s));
  let ready;
  let over;
  const isReady = new Promise((r) => (ready = r));
  const isOver = new Promise((r) => (over = r));
  const host = await startHost({
    handle(req, res, url) {
      if (url.pathname === '/storm/ready') return ready(), res.writeHead(204).end(), true;
      if (url.pathname === '/storm/over') return isOver.then(() => res.end('over')), true;
      return false;
    },
  });
  const urls = Array.from({ length: clients }, (_, i) => `http://127.0.0.1:${ports[Math.floor(i / perPort)]}/live?c=${i}`);
  const page = runPage(host, { mode, module: 'sse-storm.js', params: { kind, urls, base: host.base }, timeoutMs: settleMs + maxWaitMs + 60000 });
  page.catch(() => {});
  try {
    await Promise.race([isReady, page]);
    const deadline = Date.now() + 20000;
    while (hub.stats().sse < clients && Date.now() < deadline) await sleep(100);
    if (hub.stats().sse < clients) throw new Error(`only ${hub.stats().sse} of ${clients} streams opened`);
    await sleep(settleMs);
    // the restart
    arrivals = [];
    const t0 = wallNow();
    await Promise.all(servers.map(close));
    if (downMs) await sleep(downMs - (wallNow() - t0));
    for (const [i, s] of servers.entries()) await listen(s, ports[i]);
    const back = () => new Set(arrivals.map((a) => a.id)).size;
    const until = Date.now() + maxWaitMs;
    while ((back() < clients || hub.stats().sse < clients) && Date.now() < until) await sleep(100);
    const first = new Map();
    for (const a of arrivals) if (!first.has(a.id)) first.set(a.id, a.t - t0);
    return {
      kind,
      retry,
      downMs,
      clients,
      share: peakWindowShare(arrivals.map((a) => ({ id: a.id, t: a.t - t0 })), clients),
      requests: arrivals.length,
      reconnected: hub.stats().sse,
      medianBackMs: median([...first.values()]),
    };
  } finally {
    over();
    await page.catch(() => {});
    await Promise.all(servers.map((s) => (s.listening ? close(s) : undefined)));
    await hub.close();
    await host.close();
  }
}

export async function sseStorm({ clients = 200, mode = 'standalone', scenarios = SCENARIOS } = {}) {
  const out = [];
  for (const s of scenarios) {
    try {
      out.push(await sseStormRun({ ...s, clients, mode }));
    } catch (e) {
      out.push({ ...s, clients, error: String(e.message ?? e) });
    }
  }
  return out;
}

export const retryLabel = (r) => (Array.isArray(r) ? `retry: random ${r[0]}-${r[1]} ms per connection` : `retry: ${r}`);

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  for (const r of await sseStorm({ clients: a.clients ?? 200, mode: a.mode ?? 'standalone' })) {
    const head = `${r.kind}, ${retryLabel(r.retry)}, down ${r.downMs / 1000} s:`;
    console.log(r.error ? `${head} failed: ${r.error}` : `${head} peak ${(r.share * 100).toFixed(1)}% in 100 ms, ${r.requests} requests, ${r.reconnected}/${r.clients} streams back, median first request ${(r.medianBackMs / 1000).toFixed(2)} s after the drop`);
  }
}
