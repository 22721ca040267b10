// pushline/server under load: one hub process (a child of this one, so the
// clients' CPU is not the hub's) serving 1,000 Node WebSocket clients on
// pushline.v1, on memoryLog and on redisLog (a redis-server started here on a
// loopback port, persistence off). Figures:
// - events/s: N events published as fast as the hub takes them, until every
//   client got every one (deliveries/s = events/s x clients);
// - delivery latency p50/p99 at steady rates, publish to client, same clock
//   (the 1,000 clients share one process and the machine's 2 cores with the hub,
//   so at high rates part of the figure is the clients' own queue);
// - heap bytes per idle connection (after a forced GC), WebSocket and SSE.
//
//   node bench/server.mjs            # prints the rows (needs `npm run build`)
//   import { serverBench } from './server.mjs'   # bench/run.mjs
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const SELF = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the hub process ---------------------------------------------------------------
async function hubProcess() {
  const { createHub, memoryLog, redisLog } = await import('../dist/server.mjs');
  const { createServer: http } = await import('node:http');
  const url = process.env.REDIS_URL;
  const hub = createHub({ log: url ? redisLog({ url, key: `bench-${process.pid}`, maxLen: 100000 }) : memoryLog({ maxLen: 100000 }), maxBufferedBytes: 64 * 1024 * 1024 });
  const server = http();
  hub.attach(server, { path: '/live' });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', async (m) => {
    if (m.cmd === 'burst') {
      // as fast as the log takes them, a window of publishes in flight
      const t0 = now();
      let next = 0;
      const worker = async () => {
        while (next < m.n) await hub.publish(`b:${next++}`);
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      process.send({ published: m.n, ms: now() - t0 });
    } else if (m.cmd === 'steady') {
      for (let i = 0; i < m.n; i++) {
        await hub.publish(`t:${now()}`);
        await sleep(m.gapMs);
      }
      process.send({ steady: true });
    } else if (m.cmd === 'heap') {
      globalThis.gc();
      globalThis.gc();
      process.send({ heap: process.memoryUsage().heapUsed, stats: hub.stats() });
    } else if (m.cmd === 'close') {
      await hub.close();
      process.exit(0);
    }
  });
}

// --- the clients -------------------------------------------------------------------
function startHub(env) {
  const child = fork(SELF, ['--hub'], { env: { ...process.env, ...env }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = [];
  child.on('message', (m) => waiters.shift()?.(m));
  const ask = (m) => new Promise((resolve) => (waiters.push(resolve), m && child.send(m)));
  return { child, ask, first: ask() };
}

/** `n` pushline.v1 clients; each counts `b:` events and records `t:` latencies. */
async function connectClients(port, n, onLatency) {
  const clients = [];
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/live?sessionId=c${j}`, ['pushline.v1']);
      const c = { ws, got: 0 };
      ws.on('message', (raw) => {
        const text = String(raw);
        // {"type":"message","id":"...","data":"t:<ms>"}: only the stamp is read
        const at = text.indexOf('"data":"t:');
        if (at >= 0) onLatency(now() - Number(text.slice(at + 10, text.length - 2)));
        else c.got++;
      });
      batch.push(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))));
      clients.push(c);
    }
    await Promise.all(batch);
  }
  return clients;
}

async function sseStreams(port, n) {
  const reqs = [];
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/live', agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        res.on('data', () => {});
        resolve();
      });
      req.on('error', reject);
      req.end();
      reqs.push(req);
    });
  }
  return reqs;
}

async function measure(label, env, { clients: count, burst, steady }) {
  const hub = startHub(env);
  const { port } = await hub.first;
  const rows = [];
  try {
    // heap per idle connection: the hub's heap before and after, each after a forced GC;
    // a warm-up first, so one-time growth (the Redis client's buffers for a thousand
    // concurrent resumes, the JIT) is not counted as per-connection state
    const warm = await connectClients(port, 200, () => {});
    for (const r of await sseStreams(port, 200)) r.destroy();
    for (const c of warm) c.ws.terminate();
    await sleep(1000);
    const base = await hub.ask({ cmd: 'heap' });
    const latencies = [];
    const clients = await connectClients(port, count, (ms) => latencies.push(ms));
    // settled: every connection has joined the feed and nothing is in flight
    await sleep(1000);
    const withWs = await hub.ask({ cmd: 'heap' });
    const sse = await sseStreams(port, count);
    await sleep(1000);
    const withSse = await hub.ask({ cmd: 'heap' });
    for (const r of sse) r.destroy();
    rows.push({ figure: `server ${label}: heap per idle connection, pushline.v1 WebSocket / SSE`, ours: `${Math.round((withWs.heap - base.heap) / count)} / ${Math.round((withSse.heap - withWs.heap) / count)} B`, reference: `${withWs.stats.websocket} WebSockets, ${withSse.stats.sse} SSE streams` });

    // throughput: a burst, until every client has every event
    const t0 = now();
    const done = hub.ask({ cmd: 'burst', n: burst });
    while (clients.some((c) => c.got < burst)) await sleep(5);
    const ms = now() - t0;
    const { ms: publishMs } = await done;
    rows.push({
      figure: `server ${label}: events/s to ${count} pushline.v1 clients (burst of ${burst})`,
      ours: `${Math.round((burst * 1000) / ms)} events/s = ${Math.round((burst * count * 1000) / ms)} deliveries/s`,
      reference: `publish side ${Math.round((burst * 1000) / publishMs)} events/s`,
    });

    // latency at steady rates: publish (in the hub process) to arrival (in a client), one clock
    for (const { n, gapMs } of steady) {
      latencies.length = 0;
      const t1 = now();
      await hub.ask({ cmd: 'steady', n, gapMs });
      while (latencies.length < n * count) await sleep(5);
      const rate = (n * 1000) / (now() - t1);
      latencies.sort((a, b) => a - b);
      rows.push({
        figure: `server ${label}: delivery latency p50/p99, ${Math.round(1000 / gapMs)} events/s asked to ${count} clients`,
        ours: `${pct(latencies, 50).toFixed(2)} / ${pct(latencies, 99).toFixed(2)} ms`,
        reference: `${latencies.length} deliveries, ${rate.toFixed(0)} events/s achieved`,
      });
    }
    for (const c of clients) c.ws.terminate();
  } finally {
    hub.child.send({ cmd: 'close' });
    await new Promise((resolve) => hub.child.once('exit', resolve));
  }
  return rows;
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function withRedis(fn) {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
  if (!binary) throw new Error('redis-server not installed (apt-get install -y redis-server)');
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => ((out += d), out.includes('Ready to accept') && resolve()));
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  try {
    return await fn(`redis://127.0.0.1:${port}`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
}

/** Rows `{ figure, ours, reference }` for bench/run.mjs. */
export async function serverBench({
  clients = 1000,
  burst = 1000,
  steady = [
    { n: 50, gapMs: 100 },
    { n: 200, gapMs: 10 },
  ],
} = {}) {
  const plan = { clients, burst, steady };
  const rows = await measure('memoryLog', {}, plan);
  try {
    rows.push(...(await withRedis((url) => measure('redisLog', { REDIS_URL: url }, plan))));
  } catch (error) {
    rows.push({ figure: 'server redisLog', ours: `failed: ${error.message}`, reference: '' });
  }
  return rows;
}

if (process.argv.includes('--hub')) await hubProcess();
else if (process.argv[1] === SELF) {
  for (const r of await serverBench()) console.log(`${r.figure}: ${r.ours}${r.reference ? ` (${r.reference})` : ''}`);
}
