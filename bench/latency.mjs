// Publish-to-receive latency in real Chromium, every transport against the
// server kit (dist/server.mjs, memoryLog; the server stamps each message with its
// wall clock when it publishes, the page subtracts on arrival, same machine), with
// the raw browser APIs on the same hub as references: raw WebSocket, raw
// EventSource, and a minimal hand-written long-poll loop. For the two long-poll
// kinds, a per-poll timeline (page: fetch() called, headers, first body chunk,
// dispatch, end of body, the next fetch() call; server: request arrived, answer
// written) says where the time goes, and which part is the client's own.
//
//   node bench/latency.mjs [--n=200] [--gap=10] [--runs=2] [--mode=devtools|standalone]
import { cliArgs } from './browser.mjs';
import { median, pct, runPage, startHost, wallNow } from './chromium.mjs';

export const KINDS = ['raw WebSocket', 'websocket', 'raw EventSource', 'sse (native)', 'sse (fetch)', 'raw long-poll loop', 'long-poll'];
/** Which reference each kind is compared with. */
export const REFERENCE = { websocket: 'raw WebSocket', 'sse (native)': 'raw EventSource', 'sse (fetch)': 'raw EventSource', 'long-poll': 'raw EventSource', 'raw long-poll loop': 'raw EventSource' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Where a long-poll client's time goes (ms, medians): per poll that carried
 * events, each step of its timeline; per message, the latency of those published
 * while a poll was held (answered at once) and of those published between two
 * polls (they wait for the next poll to reach the server).
 */
function phases(polls, server, lat, stamps) {
  const steps = {
    'answer written -> headers in the page': [],
    'headers -> first body chunk read': [],
    'first chunk -> dispatch (parse + deliver): client': [],
    'dispatch -> end of body read': [],
    'end of body -> next fetch() call: client': [],
    'fetch() call -> request at the server': [],
  };
  const held = { latency: [], server: [] };
  const between = { latency: [], wait: [] };
  let carried = 0;
  const used = polls.filter((p) => p.dispatched?.length && p.eof !== undefined);
  for (const p of used) {
    const s = server[p.index];
    const next = polls[p.index + 1];
    const ns = next && server[next.index];
    if (s?.finish) steps['answer written -> headers in the page'].push(p.headers - s.finish);
    steps['headers -> first body chunk read'].push(p.firstChunk - p.headers);
    steps['first chunk -> dispatch (parse + deliver): client'].push(p.dispatched[0] - p.firstChunk);
    steps['dispatch -> end of body read'].push(p.eof - p.dispatched[p.dispatched.length - 1]);
    if (next) steps['end of body -> next fetch() call: client'].push(next.call - p.eof);
    if (ns?.arrive) steps['fetch() call -> request at the server'].push(ns.arrive - next.call);
    carried += p.dispatched.length;
  }
  // each message rode the first poll answered after it was published
  const answered = polls.map((p) => server[p.index]).filter((s) => s?.finish).sort((a, b) => a.finish - b.finish);
  stamps.forEach((stamp, i) => {
    const s = answered.find((f) => f.finish >= stamp);
    if (!s) return;
    if (s.arrive <= stamp) held.latency.push(lat[i]), held.server.push(s.finish - stamp);
    else between.latency.push(lat[i]), between.wait.push(s.arrive - stamp);
  });
  return {
    steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])),
    polls: used.length,
    eventsPerPoll: used.length ? carried / used.length : 0,
    held: { share: held.latency.length / stamps.length, p50: median(held.latency), serverMs: median(held.server) },
    between: { share: between.latency.length / stamps.length, p50: median(between.latency), waitMs: median(between.wait) },
  };
}

export async function latency({ mode = 'devtools', n = 200, gapMs = 10, runs = 2, kinds = KINDS } = {}) {
  const { createHub, memoryLog } = await import('../dist/server.mjs');
  const hub = createHub({ log: memoryLog({ maxLen: 10000 }), keepAliveMs: 60000, holdMs: 25000, pingIntervalMs: 0 });
  const endpoint = hub.handler({ path: '/live' });
  let polls = {};
  const host = await startHost({
    handle(req, res, url) {
      if (url.pathname === '/latency/reset') return (polls = {}), res.writeHead(204).end(), true;
      if (url.pathname === '/latency/polls') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(polls)), true;
      if (url.pathname === '/latency/publish') {
        res.writeHead(204).end();
        (async () => {
          const count = Number(url.searchParams.get('n'));
          const gap = Number(url.searchParams.get('gapMs'));
          for (let i = 0; i < count; i++) {
            await hub.publish(String(wallNow()));
            await sleep(gap);
          }
        })();
        return true;
      }
      const index = req.headers['x-bench-poll'];
      if (index !== undefined) {
        const rec = (polls[index] = { arrive: wallNow() });
        // when the hub hands over the answer (not 'finish', which waits for this busy process's next turns)
        const end = res.end;
        res.end = function (...args) {
          rec.finish ??= wallNow();
          return end.apply(this, args);
        };
      }
      return endpoint.handleRequest(req, res);
    },
    upgrade: (req, socket, head) => endpoint.handleUpgrade(req, socket, head) || socket.destroy(),
  });
  try {
    const urls = { ws: `${host.base.replace('http', 'ws')}/live`, http: `${host.base}/live`, base: host.base };
    const raw = await runPage(host, { mode, module: 'latency.js', params: { kinds, n, gapMs, runs, urls }, timeoutMs: 600000 });
    const out = { clock: raw.clock };
    for (const kind of kinds) {
      const rs = raw[kind];
      out[kind] = {
        p50: median(rs.map((r) => pct(r.lat, 50))),
        p99: median(rs.map((r) => pct(r.lat, 99))),
        received: rs.map((r) => r.got).join('/'),
      };
      if (kind.includes('long-poll')) {
        const ph = rs.map((r) => phases(r.polls, r.server, r.lat, r.stamps));
        const m = (f) => median(ph.map(f));
        out[kind].breakdown = {
          steps: Object.fromEntries(Object.keys(ph[0].steps).map((k) => [k, m((p) => p.steps[k])])),
          eventsPerPoll: m((p) => p.eventsPerPoll),
          held: { share: m((p) => p.held.share), p50: m((p) => p.held.p50), serverMs: m((p) => p.held.serverMs) },
          between: { share: m((p) => p.between.share), p50: m((p) => p.between.p50), waitMs: m((p) => p.between.waitMs) },
        };
      }
    }
    return out;
  } finally {
    await hub.close();
    await host.close();
  }
}

export function printLatency(r) {
  console.log(`page clock moved by ${r.clock.offset.toFixed(3)} ms onto the server's (fastest round trip ${r.clock.rttMs.toFixed(3)} ms)`);
  for (const [kind, v] of Object.entries(r)) {
    if (kind === 'clock') continue;
    const ref = REFERENCE[kind];
    console.log(`${kind.padEnd(20)} p50 ${v.p50.toFixed(2).padStart(6)} ms  p99 ${v.p99.toFixed(2).padStart(6)} ms${ref ? `  (p50 ${(v.p50 / r[ref].p50).toFixed(2)}x ${ref})` : ''}  received ${v.received}`);
  }
  for (const kind of ['raw long-poll loop', 'long-poll']) {
    const b = r[kind]?.breakdown;
    if (!b) continue;
    const f = (v) => (Number.isFinite(v) ? v.toFixed(3) : '-');
    console.log(`${kind}: ${(b.held.share * 100).toFixed(0)}% of messages found a poll held: p50 ${f(b.held.p50)} ms, of which the server kit's publish -> answer written ${f(b.held.serverMs)} ms;`);
    console.log(`  ${(b.between.share * 100).toFixed(0)}% were published between polls: p50 ${f(b.between.p50)} ms, of which waiting for the next poll to reach the server ${f(b.between.waitMs)} ms`);
    console.log(`  per poll that carried events (${b.eventsPerPoll.toFixed(2)} events each), median ms:`);
    for (const [k, v] of Object.entries(b.steps)) console.log(`    ${k.padEnd(50)} ${f(v)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  printLatency(await latency({ mode: a.mode ?? 'devtools', n: a.n ?? 200, gapMs: a.gap ?? 10, runs: a.runs ?? 2 }));
}
