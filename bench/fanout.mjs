// 200 clients x 50 messages/s in one page over WebSocket (SPEC §6): delivery
// latency (the server's wall clock stamped in each message vs the page's on
// arrival, same machine) of pushline clients vs bare `WebSocket`s with the same
// handler, one kind per page run, for `durationMs` each; whether it grows is
// read from the first 10 s against the last 10 s. A client that falls behind
// keeps receiving after the server stopped: `settledAfterMs` says how long.
//
//   node bench/fanout.mjs [--ms=60000] [--clients=200] [--modes=standalone,devtools]
import { WebSocketServer } from 'ws';
import { runPage, startHost, wallNow } from './chromium.mjs';
import { cliArgs } from './browser.mjs';

const PERIOD_MS = 20;

export async function fanoutRun({ kind, mode = 'standalone', clients = 200, durationMs = 60000 }) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let done;
  const finished = new Promise((r) => (done = r));
  const host = await startHost({
    handle(req, res, url) {
      if (url.pathname === '/fanout/start') {
        const start = wallNow();
        let sent = 0;
        const sockets = [...wss.clients];
        const timer = setInterval(() => {
          if (wallNow() - start >= durationMs) {
            clearInterval(timer);
            return done(sent);
          }
          for (const ws of sockets) {
            ws.send(String(wallNow()));
            sent++;
          }
        }, PERIOD_MS);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ start }));
        return true;
      }
      if (url.pathname === '/fanout/done') {
        finished.then((n) => res.writeHead(200, { 'content-type': 'application/json' }).end(String(n)));
        return true;
      }
      return false;
    },
    upgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  });
  try {
    return await runPage(host, { mode, module: 'fanout.js', params: { kind, clients, durationMs, url: `${host.base.replace('http', 'ws')}/fanout`, base: host.base }, timeoutMs: durationMs + 120000 });
  } finally {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await host.close();
  }
}

/** Bare first, then pushline, in `mode`. */
export async function fanout({ mode = 'standalone', clients = 200, durationMs = 60000 } = {}) {
  const bare = await fanoutRun({ kind: 'bare', mode, clients, durationMs });
  const pushline = await fanoutRun({ kind: 'pushline', mode, clients, durationMs });
  return { bare, pushline };
}

export const growing = (r) => r.last10 > r.first10 * 1.5 + 5 || r.settledAfterMs > 1000 || r.delivered < r.expected;

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  for (const mode of String(a.modes ?? 'standalone').split(',')) {
    const r = await fanout({ mode, clients: a.clients ?? 200, durationMs: a.ms ?? 60000 });
    for (const x of [r.bare, r.pushline]) {
      console.log(`${mode} ${x.kind.padEnd(8)} avg ${x.avg.toFixed(1)} ms, p50 ${x.p50.toFixed(1)}, p99 ${x.p99.toFixed(1)}, max ${x.max.toFixed(1)}; first 10 s ${x.first10.toFixed(1)}, last 10 s ${x.last10.toFixed(1)}; ${x.delivered}/${x.expected} delivered, settled ${x.settledAfterMs.toFixed(0)} ms after the end${growing(x) ? ' GROWING' : ''}`);
    }
    console.log(`${mode} pushline/bare: avg ${(r.pushline.avg / r.bare.avg).toFixed(2)}x, p99 ${(r.pushline.p99 / r.bare.p99).toFixed(2)}x`);
  }
}
