// Reliable-mode soak (part of `npm run soak`): the BUILT client (`reliable: true`)
// against the BUILT server kit, through a TCP proxy on loopback that
//   - every 200-800 ms (seeded) destroys every connection through it (a crash), and
//   - every few seconds black-holes the link for 1-2 s without closing anything:
//     every connection open at that moment becomes half-open for good (its bytes are
//     dropped both ways and nothing ever closes it, as when a NAT or a proxy forgets
//     the flow), and new connections hang until the hole ends. Only the client's
//     liveness deadlines (heartbeat, idleTimeoutMs) and reliable resume get past it.
// Per transport (WebSocket, native SSE, fetch SSE, long-poll): EVENTS numbered events
// published by the hub, SENDS numbered sends from the client; counted at the client's
// `message` listener and at the hub's `message` listener (the app layer, after dedupe).
// Required: 0 lost, 0 duplicated, 0 reordered, both directions, every transport.
//
// Environment: SOAK_SEED, SOAK_EVENTS (1500), SOAK_SENDS (500), SOAK_ONLY (labels, comma-separated).
// Exit code 0 when every count is 0, 1 otherwise, 2 when the soak could not run.
import { createServer } from 'node:http';
import { createServer as createTcp, connect as tcp } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { WebSocket as NodeWebSocket } from 'ws';
import { EventSource } from 'eventsource';
import { prng } from './prng.mjs';

const int = (name, fallback) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`soak: ${name} must be a positive integer`);
    process.exit(2);
  }
  return v;
};
const EVENTS = int('SOAK_EVENTS', 1500);
const SENDS = int('SOAK_SENDS', 500);
const SEED = int('SOAK_SEED', 1 + Math.floor(Math.random() * 2 ** 31));
const EVENT_EVERY_MS = 4;
const DEADLINE_MS = 90_000;

const random = prng(SEED);
const between = (lo, hi) => lo + random() * (hi - lo);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The chaos proxy: kills and black-holes every connection through it. */
async function chaosProxy(upstreamPort) {
  const pairs = new Set();
  let blackhole = false;
  const held = new Set();
  const server = createTcp((down) => {
    const pair = { down, up: undefined, zombie: false };
    pairs.add(pair);
    const start = () => {
      const up = (pair.up = tcp(upstreamPort, '127.0.0.1'));
      const relay = (from, to) => from.on('data', (chunk) => pair.zombie || to.write(chunk));
      relay(down, up);
      relay(up, down);
      const end = () => {
        pairs.delete(pair);
        down.destroy();
        up.destroy();
      };
      for (const s of [down, up]) {
        s.on('error', end);
        s.on('close', end);
      }
    };
    down.on('error', () => down.destroy());
    // during a black hole a new connection hangs: it goes upstream when the link is back
    if (blackhole) held.add(start);
    else start();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    /** A crash of every live connection (half-open ones stay as they are: nobody is there to close them). */
    kill() {
      for (const pair of [...pairs]) {
        if (pair.zombie) continue;
        pair.down.destroy();
        pair.up?.destroy();
        pairs.delete(pair);
      }
    },
    /** Ends everything, half-open connections too. */
    destroyAll() {
      for (const { down, up } of pairs) {
        down.destroy();
        up?.destroy();
      }
      pairs.clear();
    },
    hole(on) {
      blackhole = on;
      if (on) {
        for (const pair of pairs) pair.zombie = true;
        return;
      }
      for (const start of held) start();
      held.clear();
    },
    /** Connections left half-open by black holes, still open. */
    get zombies() {
      return [...pairs].filter((p) => p.zombie).length;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function scenario(label, options, lib) {
  const hub = lib.server.createHub({ log: lib.server.memoryLog(), retryMs: 50, keepAliveMs: 200, holdMs: 500, pingIntervalMs: 1000 });
  const atServer = [];
  hub.on('message', ({ data }) => void atServer.push(Number(data)));
  const http = createServer();
  hub.attach(http, { path: '/live' });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const proxy = await chaosProxy(http.address().port);
  const client = new lib.RealtimeClient(`http://127.0.0.1:${proxy.port}/live`, {
    reliable: true,
    WebSocket: NodeWebSocket,
    EventSource,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    heartbeat: { intervalMs: 250, timeoutMs: 250 },
    idleTimeoutMs: 1000,
    connectTimeoutMs: 1000,
    longPoll: { timeoutMs: 2000 },
    ...options,
  });
  const atClient = [];
  let resets = 0;
  client.on('message', (e) => atClient.push(Number(e.data)));
  client.on('reset', () => resets++);
  let kills = 0;
  let holes = 0;
  let zombies = 0;
  let chaos = true;
  const chaosLoop = (async () => {
    let nextHole = Date.now() + between(1500, 3000);
    while (chaos) {
      await sleep(between(200, 800));
      if (!chaos) break;
      if (Date.now() >= nextHole) {
        holes++;
        proxy.hole(true);
        await sleep(between(1000, 2000));
        proxy.hole(false);
        nextHole = Date.now() + between(2000, 4000);
      } else {
        kills++;
        proxy.kill();
      }
    }
  })();
  const started = Date.now();
  try {
    await new Promise((resolve, reject) => {
      const to = setTimeout(() => reject(new Error('never opened')), 10_000);
      client.addEventListener('open', () => (clearTimeout(to), resolve()), { once: true });
    });
    let published = 0;
    let sent = 0;
    while (published < EVENTS || sent < SENDS) {
      if (published < EVENTS) await hub.publish(String(++published));
      if (sent < SENDS && published * SENDS >= sent * EVENTS) client.send(String(++sent));
      await sleep(EVENT_EVERY_MS);
    }
    chaos = false;
    await chaosLoop;
    proxy.hole(false);
    while (atClient.length < EVENTS || atServer.length < SENDS) {
      if (Date.now() - started > DEADLINE_MS) break;
      await sleep(20);
    }
    await Promise.race([client.flush(), sleep(10_000)]);
    await sleep(300); // late duplicates would show now
  } finally {
    chaos = false;
    client.close();
    zombies = proxy.zombies;
    proxy.destroyAll();
    await proxy.close();
    await hub.close();
    await new Promise((r) => http.close(() => r()));
  }
  const count = (seen, total) => {
    const unique = new Set(seen);
    return {
      lost: Array.from({ length: total }, (_, i) => i + 1).filter((n) => !unique.has(n)).length,
      duplicated: seen.length - unique.size,
      reordered: seen.filter((n, i) => i > 0 && n <= seen[i - 1]).length,
    };
  };
  return { label, kills, holes, zombies, resets, inbound: count(atClient, EVENTS), outbound: count(atServer, SENDS), seconds: (Date.now() - started) / 1000 };
}

const MODES = {
  websocket: { transports: ['websocket'] },
  'sse (native)': { transports: ['sse'] },
  'sse (fetch)': { transports: ['sse'], eventSource: 'fetch' },
  'long-poll': { transports: ['long-poll'] },
};

async function main() {
  let lib;
  try {
    lib = { ...(await import('../dist/pushline.mjs')), server: await import('../dist/server.mjs') };
  } catch (error) {
    console.error(`soak: build first (npm run build): ${error.message}`);
    process.exit(2);
  }
  const only = process.env.SOAK_ONLY?.split(',');
  const rows = [];
  const watchdog = setTimeout(() => {
    console.error('soak: watchdog fired (the whole run took too long)');
    process.exit(2);
  }, 6 * DEADLINE_MS).unref();
  for (const [label, options] of Object.entries(MODES)) {
    if (only && !only.includes(label)) continue;
    process.stderr.write(`reliable soak: ${label}...\n`);
    rows.push(await scenario(label, options, lib));
  }
  clearTimeout(watchdog);
  const fmt = (c) => `${c.lost}/${c.duplicated}/${c.reordered}`;
  console.log(`reliable soak, seed ${SEED}: ${EVENTS} events in, ${SENDS} sends out per transport; lost/duplicated/reordered`);
  console.log('| transport | inbound | outbound | kills | black holes | half-open connections left | resets | seconds |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${fmt(r.inbound)} | ${fmt(r.outbound)} | ${r.kills} | ${r.holes} | ${r.zombies} | ${r.resets} | ${r.seconds.toFixed(1)} |`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/soak-reliable.json', JSON.stringify({ seed: SEED, EVENTS, SENDS, rows }, null, 2));
  const bad = rows.some((r) => [r.inbound, r.outbound].some((c) => c.lost || c.duplicated || c.reordered));
  process.exit(bad ? 1 : 0);
}

main().catch((error) => {
  console.error('soak: could not run:', error);
  process.exit(2);
});
