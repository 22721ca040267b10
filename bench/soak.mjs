// Chaos soak (`npm run soak`): sequence-numbered traffic in both directions through
// every streaming transport of the BUILT package while the server keeps crashing the
// connections, then a count of what was lost, duplicated or reordered.
//
// Per transport (WebSocket, native SSE, fetch SSE, long-poll), one scenario:
//   - the server publishes EVENTS numbered events (1..EVENTS) at a steady rate;
//   - the client sends SENDS numbered messages (1..SENDS) spread over the same time;
//   - every 200-800 ms (random, seeded) the server destroys its connections
//     (socket.destroy(): no close frame, no final chunk, as in a crash), except the ones
//     carrying a POST send (see CHAOS_NOTE);
//   - once both sides have produced everything the chaos stops and the run drains.
// Server->client is checked on the client's `message` events, client->server on what
// the server received, in arrival order.
//
// Everything is loopback (127.0.0.1), bounded in count and time, and never hangs: every
// wait has a deadline, and a watchdog ends the process with a clear message.
//
// Results: a table on stdout, JSON in bench/results/soak.json. Exit code: 0 when every
// lost/duplicated/out-of-order count is 0, 1 otherwise, 2 when the soak itself could not
// run. One kind of loss is reported but not counted unless SOAK_STRICT=1: WebSocket sends
// written to a socket that the server then crashed (see `faults`); each one is proven so
// by tracing what the client library handed to each socket.
//
// Environment (all optional): SOAK_SEED (replay a run's chaos timing), SOAK_EVENTS,
// SOAK_SENDS, SOAK_EVENT_INTERVAL_MS, SOAK_ONLY (comma-separated transport labels),
// SOAK_STRICT=1.

import { createServer } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { EventSource } from 'eventsource';
import { prng } from './prng.mjs';

/** A positive integer from the environment, or `fallback`. */
function envInt(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`soak: ${name} must be a positive integer, got '${process.env[name]}'`);
    process.exit(2);
  }
  return value;
}
const EVENTS = envInt('SOAK_EVENTS', 2000);
const SENDS = envInt('SOAK_SENDS', 1000);
/** One event every 3 ms: 2,000 events take about 6 s per transport. */
const EVENT_INTERVAL_MS = envInt('SOAK_EVENT_INTERVAL_MS', 3);
/** Sends are spread over the same span as the events. */
const SEND_INTERVAL_MS = (EVENT_INTERVAL_MS * EVENTS) / SENDS;
const DROP_MIN_MS = 200;
const DROP_MAX_MS = 800;
/** Small reconnect delays so a drop costs tens of milliseconds, not seconds. */
const RECONNECT = { initialDelayMs: 20, maxDelayMs: 200 };
/** Deadlines: first connection, and draining after the chaos stopped. */
const OPEN_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 15_000;
/** After everything arrived, keep listening this long so late duplicates are counted too. */
const GRACE_MS = 300;
/** The whole soak, whatever happens (npm's build not included). */
const WATCHDOG_MS = 170_000;
const SEED = envInt('SOAK_SEED', 1 + Math.floor(Math.random() * 2 ** 31));
/** Also fail on WebSocket sends lost in flight at a crash (see `faults`). */
const STRICT = process.env.SOAK_STRICT === '1';

const CHAOS_NOTE =
  'chaos destroys every connection (WebSocket, SSE stream, long-poll request, idle keep-alive) ' +
  'except those carrying a POST send, which are left to finish: a 2xx means delivered (SPEC §4), and a POST ' +
  'processed whose answer is lost would be posted again by design (at-least-once), which is not a client fault';

const random = prng(SEED);

/**
 * The built package and the demo's event hub, loaded in `main` so that a missing build
 * (or a half-edited file) fails with a clear message rather than a bare stack trace.
 */
let RealtimeClient;
let createEventHub;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `test()` holds; rejects with `what` after `ms`. */
async function until(test, ms, what) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Listens on a random loopback port; tracks every TCP socket so the soak can destroy them. */
async function listen(handler) {
  const sockets = new Set();
  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    server,
    sockets,
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// WebSocket: a small ws server with its own event log. The app resumes with its
// URL function: `?since=<last sequence number it got>`, and the server replays
// everything after it before streaming live events.

/**
 * The `ws` WebSocket, with a record of what the client library handed to each socket.
 * It changes nothing; it only lets the soak tell, for a send the server never got,
 * whether it was written to a socket that was then crashed (see `classifyWsLoss`).
 */
class TracedWebSocket extends NodeWebSocket {
  static sockets = [];
  constructor(...args) {
    super(...args);
    /** Payloads passed to send(): when, and whether the socket was OPEN at that moment. */
    this.handed = [];
    this.closeCode = undefined;
    this.closedAt = undefined;
    this.addEventListener('close', (e) => {
      this.closeCode = e.code;
      this.closedAt = performance.now();
    });
    TracedWebSocket.sockets.push(this);
  }
  send(data, ...rest) {
    this.handed.push({ data: String(data), open: this.readyState === NodeWebSocket.OPEN, at: performance.now() });
    return super.send(data, ...rest);
  }
}

async function websocketServer() {
  const log = []; // log[n - 1] is event n
  const received = []; // client sends, in arrival order
  const live = new Set();
  const dropTimes = [];
  const http = await listen((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http.server });
  wss.on('connection', (ws, req) => {
    const since = Number(new URL(req.url, 'http://x').searchParams.get('since') ?? 0);
    // replay, then join the live set, in one synchronous step: nothing can slip in between
    for (let n = since + 1; n <= log.length; n++) ws.send(String(n));
    live.add(ws);
    ws.on('close', () => live.delete(ws));
    ws.on('error', () => {});
    ws.on('message', (data) => received.push(String(data)));
  });
  return {
    // the client's URL function, called before every attempt: the app's own resume cursor
    clientUrl: (getLast) => () => `ws://127.0.0.1:${http.port}/live?since=${getLast()}`,
    received,
    dropTimes,
    connections: () => live.size,
    publish() {
      const n = log.push(log.length + 1);
      for (const ws of live) ws.send(String(n));
    },
    /** Every socket of this server carries a WebSocket (or is about to): destroy them all. */
    drop() {
      dropTimes.push(performance.now());
      const dropped = { transport: 0, idle: 0 };
      for (const socket of http.sockets) {
        if (socket.destroyed) continue;
        socket.destroy();
        dropped.transport++;
      }
      return dropped;
    },
    async close() {
      for (const ws of live) ws.terminate();
      wss.close();
      await http.close();
    },
  };
}

// ---------------------------------------------------------------------------
// HTTP transports: demo/server/events.mjs's event hub (SSE, long-poll, POST sends).

async function hubServer() {
  const received = [];
  const dropTimes = [];
  // holdMs well under the client's longPoll.timeoutMs (45 s); keep-alive comments are
  // irrelevant here (events flow every few ms)
  const hub = createEventHub({ path: '/events', holdMs: 2000, keepAliveMs: 5000, onMessage: (m) => received.push(String(m.data)) });
  /** Sockets carrying a POST right now (from its headers until its answer is out). */
  const posting = new Set();
  /**
   * The method of each socket's latest request: a socket whose latest was a GET carries
   * the transport (an SSE stream, or a long-poll connection, held or between two polls);
   * the others are keep-alive sockets the client's POSTs use. Only used to count drops.
   */
  const lastMethod = new WeakMap();
  const http = await listen((req, res) => {
    const socket = req.socket;
    lastMethod.set(socket, req.method);
    if (req.method === 'POST') {
      posting.add(socket);
      res.on('close', () => posting.delete(socket));
    }
    hub.handle(req, res) || res.writeHead(404).end();
  });
  return {
    // a fixed URL: the client itself resumes HTTP transports with `lastEventId`
    clientUrl: () => `http://127.0.0.1:${http.port}/events`,
    received,
    dropTimes,
    connections: () => hub.connections,
    publish: () => hub.publish('message', hub.log.length + 1),
    // every socket goes, except those carrying a POST (CHAOS_NOTE). Idle keep-alive
    // sockets go too (a long-poll client spends part of its time between two polls): a
    // POST about to be written to one fails before the server reads it, and is retried
    drop() {
      dropTimes.push(performance.now());
      const dropped = { transport: 0, idle: 0 };
      for (const socket of http.sockets) {
        if (socket.destroyed || posting.has(socket)) continue;
        dropped[lastMethod.get(socket) === 'GET' ? 'transport' : 'idle']++;
        socket.destroy();
      }
      return dropped;
    },
    async close() {
      hub.close();
      await http.close();
    },
  };
}

// ---------------------------------------------------------------------------

const SCENARIOS = [
  { label: 'websocket', server: websocketServer, options: { transports: ['websocket'], WebSocket: TracedWebSocket } },
  { label: 'native SSE', server: hubServer, options: { transports: ['sse'], eventSource: 'native', EventSource } },
  { label: 'fetch SSE', server: hubServer, options: { transports: ['sse'], eventSource: 'fetch', fetch: globalThis.fetch } },
  { label: 'long-poll', server: hubServer, options: { transports: ['long-poll'], fetch: globalThis.fetch } },
];

/**
 * Counts one direction. `arrivals` are the payloads in the order they arrived.
 * - lost: numbers 1..total that never arrived;
 * - duplicated: arrivals of a number that had already arrived;
 * - outOfOrder: first arrivals of a number smaller than one that arrived before it
 *   (a later duplicate is counted as duplicated only, not twice);
 * - unexpected: payloads that are not a number in 1..total (corruption, mix-ups).
 */
function tally(arrivals, total) {
  const seen = new Set();
  let duplicated = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let max = 0;
  for (const raw of arrivals) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > total) {
      unexpected++;
      continue;
    }
    if (seen.has(n)) {
      duplicated++;
      continue;
    }
    seen.add(n);
    if (n < max) outOfOrder++;
    max = Math.max(max, n);
  }
  const missing = [];
  for (let n = 1; n <= total; n++) if (!seen.has(n)) missing.push(n);
  return { expected: total, received: arrivals.length, lost: missing.length, duplicated, outOfOrder, unexpected, missing: missing.slice(0, 50) };
}

/**
 * For WebSocket sends the server never got: was the payload handed (while OPEN) to a
 * socket that then died without a close frame (1006)? If so the bytes were in flight at
 * the crash: the WebSocket protocol has no delivery receipt, so no client library can
 * know they are gone, let alone resend them (at-most-once, as with a raw WebSocket).
 * Any other loss (never handed over, handed to a socket that was not OPEN, or to one
 * that closed cleanly) is the library's.
 * `afterCrash` counts those written after the server had already destroyed the
 * connection, before the client saw the close: the window a crash always leaves.
 */
function classifyWsLoss(missing, sockets, dropTimes) {
  const handedTo = new Map();
  for (const ws of sockets) {
    for (const h of ws.handed) {
      if (!handedTo.has(h.data)) handedTo.set(h.data, []);
      handedTo.get(h.data).push({ ws, ...h });
    }
  }
  let inFlight = 0;
  let afterCrash = 0;
  const byClient = [];
  for (const n of missing) {
    const hands = handedTo.get(String(n)) ?? [];
    if (hands.length && hands.every((h) => h.open && h.ws.closeCode === 1006)) {
      inFlight++;
      // the drop that killed the socket: the last one before the client saw it close
      const h = hands.at(-1);
      const crash = dropTimes.filter((t) => t <= h.ws.closedAt).at(-1);
      if (crash !== undefined && h.at >= crash) afterCrash++;
    } else byClient.push(n);
  }
  return { inFlight, afterCrash, byClient };
}

async function runScenario({ label, server: makeServer, options }) {
  const server = await makeServer();
  TracedWebSocket.sockets = [];
  const events = []; // what the client got, in order
  let last = 0; // the app's resume cursor for WebSocket: the last sequence number it got
  const stats = { opens: 0, errors: 0, refusedSends: 0, dropRounds: 0, drops: 0, sockets: { transport: 0, idle: 0 }, errorKinds: {} };
  const client = new RealtimeClient(server.clientUrl(() => last), { ...options, reconnect: RECONNECT });
  client.on('message', (e) => {
    events.push(String(e.data));
    last = Number(e.data);
  });
  client.on('open', () => stats.opens++);
  client.on('error', (e) => {
    stats.errors++;
    const kind = e.error?.name ?? 'Error';
    stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
  });
  let finalClose;
  client.on('close', (e) => !e.willReconnect && (finalClose = `code ${e.code} ${e.reason}`));

  const timers = [];
  let failure;
  const t0 = performance.now();
  let tProduced;
  let tDone;
  try {
    // produce only once the server holds the client's connection: an HTTP client that
    // has no cursor yet means "from now on" (docs/PROTOCOL.md), so earlier events are not its
    await until(() => client.readyState === 1 && server.connections() >= 1, OPEN_TIMEOUT_MS, `${label}: first connection`);
    const tStart = performance.now();

    let published = 0;
    let sent = 0;
    const producing = new Promise((resolve) => {
      const producer = setInterval(() => {
        server.publish();
        if (++published >= EVENTS) clearInterval(producer), resolve();
      }, EVENT_INTERVAL_MS);
      timers.push(() => clearInterval(producer));
    });
    const sending = new Promise((resolve) => {
      const sender = setInterval(() => {
        // queued while not OPEN, flushed in order; `false` means the queue refused it
        if (!client.send(String(++sent))) stats.refusedSends++;
        if (sent >= SENDS) clearInterval(sender), resolve();
      }, SEND_INTERVAL_MS);
      timers.push(() => clearInterval(sender));
    });
    let chaos = true;
    const scheduleDrop = () => {
      const timer = setTimeout(() => {
        if (!chaos) return;
        stats.dropRounds++;
        const { transport, idle } = server.drop();
        // a drop is a round that destroyed the client's connection (a long-poll client
        // may hold more than one keep-alive socket that last carried a poll)
        if (transport) stats.drops++;
        stats.sockets.transport += transport;
        stats.sockets.idle += idle;
        scheduleDrop();
      }, DROP_MIN_MS + random() * (DROP_MAX_MS - DROP_MIN_MS));
      timers.push(() => clearTimeout(timer));
    };
    scheduleDrop();

    await Promise.all([producing, sending]);
    chaos = false;
    tProduced = performance.now() - tStart;
    const uniqueEvents = () => new Set(events).size;
    const uniqueSends = () => new Set(server.received).size;
    // done when everything arrived, or (so a run with losses need not wait for the
    // deadline) when every event arrived, the client is OPEN with nothing left to send
    // (bufferedAmount counts its queue, an unacknowledged POST and the socket's buffer)
    // and the server has received nothing new for a while
    let count = -1;
    let changedAt = 0;
    const settled = () => {
      if (server.received.length !== count) (count = server.received.length), (changedAt = Date.now());
      return client.state === 'open' && client.bufferedAmount === 0 && Date.now() - changedAt > 500;
    };
    try {
      await until(
        () => uniqueEvents() >= EVENTS && (uniqueSends() >= SENDS || settled()),
        DRAIN_TIMEOUT_MS,
        'the last events and sends',
      );
    } catch (error) {
      failure = `${label}: ${error.message} (events ${uniqueEvents()}/${EVENTS}, sends ${uniqueSends()}/${SENDS}, client ${client.state}${finalClose ? `, closed for good: ${finalClose}` : ''})`;
    }
    tDone = performance.now() - tStart;
    await sleep(GRACE_MS);
  } catch (error) {
    failure = `${label}: ${error.message}${finalClose ? ` (client closed for good: ${finalClose})` : ''}`;
  } finally {
    for (const stop of timers) stop();
    client.close();
    await server.close();
  }

  const down = tally(events, EVENTS);
  const up = tally(server.received, SENDS);
  if (options.transports[0] === 'websocket') up.lostInFlight = 0;
  if (options.transports[0] === 'websocket' && up.lost) {
    const all = [];
    for (let n = 1; n <= SENDS; n++) if (!server.received.includes(String(n))) all.push(n);
    const { inFlight, afterCrash, byClient } = classifyWsLoss(all, TracedWebSocket.sockets, server.dropTimes);
    up.lostInFlight = inFlight;
    up.lostInFlightAfterCrash = afterCrash;
    up.lostByClient = byClient;
  }
  return {
    transport: label,
    runMs: Math.round(tDone ?? performance.now() - t0),
    producedMs: tProduced === undefined ? undefined : Math.round(tProduced),
    /** Chaos rounds that destroyed the transport's connection (a WebSocket, an SSE stream, a long-poll's socket). */
    drops: stats.drops,
    /** Chaos rounds in all (a round may find the client between two connections). */
    dropRounds: stats.dropRounds,
    /** Sockets destroyed: those that carried the transport, and others (idle keep-alive sockets of the POSTs). */
    socketsDestroyed: stats.sockets,
    reconnects: Math.max(0, stats.opens - 1),
    clientErrors: stats.errorKinds,
    refusedSends: stats.refusedSends,
    failure: failure ?? null,
    serverToClient: down,
    clientToServer: up,
  };
}

/**
 * What fails the soak in one direction. WebSocket sends proven to have been in flight
 * on a crashed socket (`classifyWsLoss`) are reported but, unless SOAK_STRICT=1, not
 * counted: no client can deliver them without an acknowledgement protocol, which the
 * WebSocket transport does not have (SPEC §2: `send()` hands data to the socket when
 * OPEN, queues only while not OPEN). Everything else counts.
 */
const faults = (d) => d.lost - (STRICT ? 0 : d.lostInFlight ?? 0) + d.duplicated + d.outOfOrder + d.unexpected;
const directions = (r) => [
  ['server->client', r.serverToClient],
  ['client->server', r.clientToServer],
];

function table(results) {
  const head = ['transport', 'direction', 'expected', 'received', 'lost', 'in flight*', 'dup', 'out-of-order', 'drops', 'reconnects', 'run time'];
  const rows = [];
  for (const r of results) {
    for (const [direction, d] of directions(r)) {
      rows.push(
        [
          r.transport,
          direction,
          d.expected,
          d.received,
          d.lost + (d.unexpected ? ` (+${d.unexpected} unexpected)` : ''),
          d.lostInFlight ?? '-',
          d.duplicated,
          d.outOfOrder,
          r.drops,
          r.reconnects,
          `${(r.runMs / 1000).toFixed(1)} s`,
        ].map(String),
      );
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main() {
  try {
    ({ RealtimeClient } = await import('../dist/pushline.mjs'));
  } catch (error) {
    throw new Error(`cannot load the built package dist/pushline.mjs (run \`npx rollup -c\` or \`npm run soak\`): ${error.message}`);
  }
  try {
    ({ createEventHub } = await import('../demo/server/events.mjs'));
  } catch (error) {
    throw new Error(`cannot load demo/server/events.mjs: ${error.message}`);
  }
  // a throw out of a client or server callback would otherwise end the process with a
  // bare stack trace: say what happened, and fail
  const crash = (kind) => (error) => {
    console.error(`\nsoak: FAILED, ${kind} during the run: ${error?.stack ?? error}`);
    process.exit(2);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  const watchdog = setTimeout(() => {
    console.error(`soak: FAILED, still running after ${WATCHDOG_MS / 1000} s; something hangs (seed ${SEED})`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();

  const only = process.env.SOAK_ONLY?.split(',').map((s) => s.trim());
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.label)) : SCENARIOS;
  console.log(
    `pushline soak: ${EVENTS} events (one every ${EVENT_INTERVAL_MS} ms) and ${SENDS} sends per transport, ` +
      `connections dropped every ${DROP_MIN_MS}-${DROP_MAX_MS} ms, reconnect ${JSON.stringify(RECONNECT)}, seed ${SEED}`,
  );
  console.log(`note: ${CHAOS_NOTE}.\n`);

  const started = performance.now();
  const results = [];
  for (const scenario of scenarios) {
    process.stdout.write(`${scenario.label}... `);
    const result = await runScenario(scenario);
    results.push(result);
    console.log(result.failure ? `FAILED: ${result.failure}` : `${(result.runMs / 1000).toFixed(1)} s, connection dropped ${result.drops} times`);
  }
  const totalMs = Math.round(performance.now() - started);

  console.log(`\n${table(results)}`);
  console.log('drops: chaos rounds that destroyed the client\'s connection; reconnects: the client\'s `open` events after the first');
  console.log(
    `* in flight: of the lost WebSocket sends, those written to a socket that then crashed (1006) before the server ` +
      `read them; the WebSocket protocol has no delivery receipt, so they are ${STRICT ? 'counted (SOAK_STRICT=1)' : 'reported, not counted (SOAK_STRICT=1 counts them)'}\n`,
  );
  for (const r of results) {
    for (const [direction, d] of directions(r)) {
      if (!d.lost && !d.duplicated && !d.outOfOrder && !d.unexpected) continue;
      if (d.lost) console.log(`${r.transport} ${direction}: missing ${d.missing.join(', ')}${d.lost > d.missing.length ? ', ...' : ''}`);
      if (d.lostInFlight) {
        console.log(
          `  ${d.lostInFlight} of ${d.lost} were in flight on a crashed socket ` +
            `(${d.lostInFlightAfterCrash} written after the server had destroyed it, before the client saw the close)` +
            `${d.lostByClient.length ? `; lost by the client: ${d.lostByClient.join(', ')}` : ''}`,
        );
      }
    }
    if (r.refusedSends) console.log(`${r.transport}: the client's queue refused ${r.refusedSends} sends`);
  }

  const ok = results.every((r) => !r.failure && !faults(r.serverToClient) && !faults(r.clientToServer));
  const report = {
    date: new Date().toISOString(),
    ok,
    totalMs,
    seed: SEED,
    config: {
      events: EVENTS,
      sends: SENDS,
      eventIntervalMs: EVENT_INTERVAL_MS,
      sendIntervalMs: SEND_INTERVAL_MS,
      dropEveryMs: [DROP_MIN_MS, DROP_MAX_MS],
      reconnect: RECONNECT,
      node: process.version,
    },
    chaos: CHAOS_NOTE,
    strict: STRICT,
    results,
  };
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('soak.json', dir), `${JSON.stringify(report, null, 2)}\n`);

  const verdict = ok ? 'OK: nothing lost, duplicated or reordered' : 'FAILED: see the counts above';
  console.log(`total ${(totalMs / 1000).toFixed(1)} s; ${verdict} (bench/results/soak.json)`);
  clearTimeout(watchdog);
  // undici's keep-alive pool and the like may hold the loop open: the verdict is in
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`soak: could not run: ${error.stack ?? error}`);
  process.exit(2);
});
