// Inbound messages/s in real Chromium, `RealtimeClient` against the raw browser
// API in the same page, same server, paired rounds (every kind once per round,
// order rotated), the figure being the median of per-round ratios raw/ours.
// Run under Playwright (`mode: 'devtools'`, this file) or without automation
// (`mode: 'standalone'`, bench/standalone.mjs): the page is the same.
//
// Servers, all on 127.0.0.1, all writing faster than a page reads, so the client is
// what is measured:
// - WebSocket: on `blast:n:size` the server writes n pre-built frames in one
//   socket write (raw, pushline, reconnecting-websocket read the same bytes);
// - reliable mode: the server kit (dist/server.mjs, memoryLog) publishes n events
//   once the client is open; raw is a bare WebSocket with `pushline.v1` on the same
//   hub (with and without a JSON.parse per frame, to show what the framing costs);
// - event streams: one stream of n events `id: i` / `data: x...`, written at once
//   for SSE; long-poll gets the same events in answers of 500 (the server kit's
//   default maxBatch), answered as soon as the poll arrives.
//
//   node bench/browser.mjs [--n=20000] [--rounds=11]       (needs `npm run build`)
import { WebSocketServer } from 'ws';
import { median, runPage, startHost } from './chromium.mjs';

/** The groups measured; the first kind of each is the reference. */
export const GROUPS = {
  websocket: ['ws raw', 'ws pushline', 'ws reconnecting-websocket'],
  reliable: ['reliable raw', 'reliable pushline', 'reliable raw + JSON.parse'],
  sse: ['sse raw EventSource', 'sse native', 'sse fetch', 'long-poll', 'raw long-poll loop', 'sse raw EventSource + field reads'],
};
const LONG_POLL_BATCH = 500;

/** n server→client text frames of `size` bytes, as one buffer. */
function frames(n, size) {
  const payload = Buffer.from('x'.repeat(size));
  const header = size < 126 ? Buffer.from([0x81, size]) : Buffer.from([0x81, 126, size >> 8, size & 255]);
  const one = Buffer.concat([header, payload]);
  return Buffer.concat(Array.from({ length: n }, () => one));
}

/** n SSE events with ids 1..n; `offsets[i]` is where event i+1 starts. */
function events(n, size) {
  const data = 'x'.repeat(size);
  const parts = [];
  const offsets = [];
  let at = 0;
  for (let i = 1; i <= n; i++) {
    const e = Buffer.from(`id: ${i}\ndata: ${data}\n\n`);
    offsets.push(at);
    parts.push(e);
    at += e.length;
  }
  offsets.push(at);
  return { body: Buffer.concat(parts), offsets };
}

const memo = (make) => {
  const cache = new Map();
  return (n, size) => {
    const key = `${n}:${size}`;
    if (!cache.has(key)) cache.set(key, make(n, size));
    return cache.get(key);
  };
};

/** Starts the page host with the three servers. */
export async function startThroughputServers(extra = () => false) {
  const { createHub, memoryLog } = await import('../dist/server.mjs');
  const hub = createHub({ log: memoryLog({ maxLen: 50000 }), maxBufferedBytes: 256 * 1024 * 1024, pingIntervalMs: 0 });
  const endpoint = hub.handler({ path: '/hub' });
  const blastFrames = memo(frames);
  const streamEvents = memo(events);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const [cmd, n, size] = String(raw).split(':');
      // one write of every frame: the socket is never what limits the page
      if (cmd === 'blast') ws._socket.write(blastFrames(Number(n), Number(size)));
    });
  });
  const host = await startHost({
    handle(req, res, url) {
      if (extra(req, res, url)) return true;
      if (endpoint.handleRequest(req, res)) return true;
      if (url.pathname === '/publish') {
        const n = Number(url.searchParams.get('n'));
        const data = 'x'.repeat(Number(url.searchParams.get('size')));
        // as fast as the hub takes them: it batches what one event-loop turn publishes
        (async () => {
          for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => hub.publish(data)));
        })().then(() => res.writeHead(204).end());
        return true;
      }
      if (url.pathname !== '/sse') return false;
      const n = Number(url.searchParams.get('n'));
      const { body, offsets } = streamEvents(n, Number(url.searchParams.get('size')));
      const headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-store' };
      if (url.searchParams.get('transport') !== 'long-poll') {
        res.writeHead(200, headers);
        res.write(body);
        return true; // held open until the client closes
      }
      const from = Number(url.searchParams.get('lastEventId') ?? 0);
      if (from >= n) return true; // nothing more: held until the client goes
      const to = Math.min(n, from + LONG_POLL_BATCH);
      res.writeHead(200, headers).end(body.subarray(offsets[from], offsets[to]));
      return true;
    },
    upgrade(req, socket, head) {
      if (endpoint.handleUpgrade(req, socket, head)) return;
      if (req.url.startsWith('/blast')) return wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      socket.destroy();
    },
  });
  return {
    host,
    urls: { ws: `${host.base.replace('http', 'ws')}/blast`, hub: `${host.base.replace('http', 'ws')}/hub`, sse: `${host.base}/sse`, base: host.base },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await hub.close();
      await host.close();
    },
  };
}

/**
 * { group: { kind: { msgsPerS (of the median round), ratio (median of per-round raw/kind) } } }
 * in `mode` ('devtools' or 'standalone').
 */
export async function throughput({ mode = 'devtools', n = 20000, size = 64, rounds = 11, groups = GROUPS } = {}) {
  const srv = await startThroughputServers();
  try {
    const times = await runPage(srv.host, { mode, module: 'throughput.js', params: { groups, n, size, rounds, urls: srv.urls }, timeoutMs: 600000 });
    const out = {};
    for (const [group, kinds] of Object.entries(groups)) {
      const t = times[group];
      const ref = t[kinds[0]];
      out[group] = Object.fromEntries(kinds.map((k) => [k, { msgsPerS: Math.round(n / (median(t[k]) / 1000)), ratio: median(ref.map((x, i) => x / t[k][i])), rounds: t[k] }]));
    }
    return out;
  } finally {
    await srv.close();
  }
}

export function printThroughput(r, label) {
  console.log(label);
  for (const [group, kinds] of Object.entries(r)) {
    const [ref] = Object.keys(kinds);
    for (const [kind, v] of Object.entries(kinds)) console.log(`  ${group.padEnd(9)} ${kind.padEnd(28)} ${String(v.msgsPerS).padStart(8)} msgs/s${kind === ref ? '  (reference)' : `  ${v.ratio.toFixed(3)} of ${ref}`}`);
  }
}

export const cliArgs = () => Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')).map(([k, v]) => [k, v === undefined ? true : Number.isNaN(Number(v)) ? v : Number(v)]));

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  const groups = a.groups ? Object.fromEntries(String(a.groups).split(',').map((g) => [g, GROUPS[g]])) : GROUPS;
  printThroughput(await throughput({ mode: 'devtools', n: a.n ?? 20000, rounds: a.rounds ?? 11, groups }), 'Chromium under Playwright (DevTools attached)');
}
