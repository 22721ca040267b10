// Reconnect storm (SPEC §6), on the real state machine: 1,000 public
// `RealtimeClient`s of dist/websocket.mjs, each given a fake `WebSocket`
// constructor, on a virtual clock that stands in for setTimeout/clearTimeout,
// setInterval/clearInterval and Date.now (the client's own timers and the
// liveness module's shared one all run on it). The fake server accepts a
// handshake (5 ms) while it is up and refuses it (1006) while it is down. At
// t0 the server restarts: every socket drops with 1006, and it is back after
// `downMs`. Every attempt is timestamped from the client's `connecting` event.
// Virtual time makes the figures exact and independent of machine load.
//
// Figures: the largest share of the clients that attempt within any one 100 ms
// window; the median time from the drop to being open again; the same for a
// fixed-delay client (1 s, no jitter: the SPEC's 100 % baseline).
//
// Plain full jitter (every attempt drawn from [0, cap], what SPEC §3 describes for
// attempt 1) cannot be injected into the client (`reconnect` options change the
// caps, not the draw), so it is computed by a model: a copy of the formula
// (`plainFullJitter` below, labelled as such in every row) in a simulation with the
// same handshake and the same server. The same model run with the package's own
// `nextDelay` is printed next to the state machine's figure, so the model's
// fidelity is visible.
//
//   node bench/storm.mjs [--clients=1000] [--seeds=3]     (needs `npm run build`)
import { DEFAULT_RECONNECT, RealtimeClient, nextDelay } from '../dist/websocket.mjs';
import { prng } from './prng.mjs';

const WINDOW_MS = 100;
const HANDSHAKE_MS = 5;
/** Server outages measured (SPEC §6). */
export const OUTAGES = [0, 1000, 5000, 30000];
/** The fixed-delay baseline: every client waits exactly 1 s. */
export const FIXED = { initialDelayMs: 1000, factor: 1, maxDelayMs: 1000, jitter: 'none' };


/** A min-heap of timers by (due time, creation order). */
class Heap {
  items = [];
  push(t) {
    const a = this.items;
    a.push(t);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!Heap.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && Heap.less(a[l], a[m])) m = l;
        if (r < a.length && Heap.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
  peek() {
    return this.items[0];
  }
  static less(x, y) {
    return x.at < y.at || (x.at === y.at && x.id < y.id);
  }
}

/** A virtual clock installed over the timer globals and Date.now while a simulation runs. */
export function virtualClock({ epoch = 1_700_000_000_000 } = {}) {
  let now = 0;
  let seq = 0;
  const live = new Map();
  const heap = new Heap();
  const add = (fn, ms, every, args) => {
    const t = { id: ++seq, at: now + Math.max(0, Number(ms) || 0), fn, every, args };
    live.set(t.id, t);
    heap.push(t);
    return t.id;
  };
  const cancel = (id) => void live.delete(typeof id === 'object' && id ? id.id : id);
  const saved = { setTimeout, clearTimeout, setInterval, clearInterval, dateNow: Date.now };
  Object.assign(globalThis, {
    setTimeout: (fn, ms, ...args) => add(fn, ms, 0, args),
    clearTimeout: cancel,
    setInterval: (fn, ms, ...args) => add(fn, ms, Math.max(1, Number(ms) || 0), args),
    clearInterval: cancel,
  });
  Date.now = () => epoch + now;
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    now: () => now,
    /** Timers still pending. */
    get pending() {
      return live.size;
    },
    /** Runs timers in time order up to `until`, letting promises settle after each instant. */
    async run(until) {
      await settle();
      for (;;) {
        let t = heap.peek();
        while (t && !live.has(t.id)) (heap.pop(), (t = heap.peek()));
        if (!t || t.at > until) break;
        const at = t.at;
        // every timer due at this instant, then the microtasks they queued
        while ((t = heap.peek()) && t.at === at) {
          heap.pop();
          if (!live.has(t.id)) continue;
          now = at;
          if (t.every) {
            t.at += t.every;
            heap.push(t);
          } else live.delete(t.id);
          t.fn(...t.args);
        }
        await settle();
      }
      now = until;
    },
    restore() {
      Object.assign(globalThis, { setTimeout: saved.setTimeout, clearTimeout: saved.clearTimeout, setInterval: saved.setInterval, clearInterval: saved.clearInterval });
      Date.now = saved.dateNow;
    },
  };
}

/** Largest share of `clients` that have an attempt inside any one WINDOW_MS window. */
export function peakWindowShare(attempts, clients, windowMs = WINDOW_MS) {
  const a = [...attempts].sort((x, y) => x.t - y.t);
  const inWindow = new Map();
  let best = 0;
  let lo = 0;
  for (const hit of a) {
    inWindow.set(hit.id, (inWindow.get(hit.id) ?? 0) + 1);
    while (hit.t - a[lo].t >= windowMs) {
      const n = inWindow.get(a[lo].id) - 1;
      n ? inWindow.set(a[lo].id, n) : inWindow.delete(a[lo].id);
      lo++;
    }
    best = Math.max(best, inWindow.size);
  }
  return best / clients;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/**
 * The fake server and its WebSocket constructor. `up` decides a handshake's fate
 * when it completes; `restart()` drops every open socket with 1006.
 */
function fakeServer() {
  const open = new Set();
  const server = { up: true, open };
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    readyState = 0;
    bufferedAmount = 0;
    protocol = '';
    extensions = '';
    binaryType = 'blob';
    onopen = null;
    onmessage = null;
    onerror = null;
    onclose = null;
    constructor(url) {
      this.url = url;
      setTimeout(() => {
        if (this.readyState !== 0) return;
        if (!server.up) return this.drop();
        this.readyState = 1;
        open.add(this);
        this.onopen?.({ type: 'open' });
      }, HANDSHAKE_MS);
    }
    send() {}
    close(code = 1005, reason = '') {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      open.delete(this);
      setTimeout(() => {
        this.readyState = 3;
        this.onclose?.({ type: 'close', code, reason, wasClean: true });
      }, 0);
    }
    drop() {
      open.delete(this);
      this.readyState = 3;
      this.onerror?.({ type: 'error' });
      this.onclose?.({ type: 'close', code: 1006, reason: '', wasClean: false });
    }
  }
  server.WebSocket = FakeWebSocket;
  server.restart = () => {
    server.up = false;
    for (const s of [...open]) s.drop();
  };
  return server;
}

/**
 * One storm on the real client: `clients` clients with `reconnect`, connected and
 * up for 10 s; the server restarts and is back after `downMs`.
 */
export async function storm({ reconnect, clients = 1000, downMs = 0, seed = 1 }) {
  const clock = virtualClock();
  const random = Math.random;
  Math.random = prng(seed);
  const server = fakeServer();
  const attempts = [];
  const back = [];
  let t0 = Infinity;
  const all = [];
  try {
    for (let id = 0; id < clients; id++) {
      const c = new RealtimeClient('ws://127.0.0.1:1/', { WebSocket: server.WebSocket, ...(reconnect && { reconnect }) });
      c.addEventListener('connecting', () => clock.now() >= t0 && attempts.push({ id, t: clock.now() - t0 }));
      c.addEventListener('open', () => clock.now() >= t0 && back.push(clock.now() - t0));
      all.push(c);
    }
    await clock.run(10000);
    if (server.open.size !== clients) throw new Error(`only ${server.open.size} of ${clients} connected before the restart`);
    t0 = clock.now();
    server.restart();
    setTimeout(() => (server.up = true), downMs);
    await clock.run(t0 + downMs + 180000);
    for (const c of all) c.close();
    await clock.run(clock.now() + 1000);
    if (back.length !== clients) throw new Error(`${back.length} of ${clients} reconnected`);
    return { share: peakWindowShare(attempts, clients), medianBackMs: median(back), attempts: attempts.length, reconnected: back.length };
  } finally {
    Math.random = random;
    clock.restore();
  }
}

/** Plain full jitter, a copy of the formula for the model below: every attempt uniform in [0, cap]. Not the package's code. */
export const plainFullJitter = (p, attempt, _hint, random) => random() * Math.min(p.maxDelayMs, p.initialDelayMs * p.factor ** (attempt - 1));

/**
 * The model: each client attempts after `delay(policy, n)`, the handshake takes
 * HANDSHAKE_MS and succeeds if the server is up when it completes, else attempt n+1
 * is scheduled from the failure. This is what the client does on this fake server
 * (no hint, no auth refresh, no fallback).
 */
export function modelStorm({ delay, policy = DEFAULT_RECONNECT, clients = 1000, downMs = 0, seed = 1 }) {
  const random = prng(seed);
  const attempts = [];
  const back = [];
  for (let id = 0; id < clients; id++) {
    let t = 0;
    for (let n = 1; ; n++) {
      t += delay(policy, n, 0, random);
      attempts.push({ id, t });
      if (t + HANDSHAKE_MS >= downMs) {
        back.push(t + HANDSHAKE_MS);
        break;
      }
      t += HANDSHAKE_MS;
    }
  }
  return { share: peakWindowShare(attempts, clients), medianBackMs: median(back), attempts: attempts.length, reconnected: back.length };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const combine = (runs) => ({
  share: mean(runs.map((r) => r.share)),
  shareMax: Math.max(...runs.map((r) => r.share)),
  medianBackMs: mean(runs.map((r) => r.medianBackMs)),
  attempts: mean(runs.map((r) => r.attempts)),
});

/**
 * The SPEC §6 storm figures for every outage length, each averaged over `seeds`
 * runs (the worst run is kept too): the package's policy on the state machine and
 * in the model, plain full jitter in the model, and fixed delay on the state machine.
 */
export async function stormTable({ clients = 1000, seeds = 3, outages = OUTAGES } = {}) {
  const rows = [];
  const seedList = Array.from({ length: seeds }, (_, i) => i + 1);
  for (const downMs of outages) {
    const ours = [];
    const fixed = [];
    for (const seed of seedList) {
      ours.push(await storm({ clients, downMs, seed }));
      fixed.push(await storm({ clients, downMs, seed, reconnect: FIXED }));
    }
    const model = seedList.map((seed) => modelStorm({ delay: nextDelay, clients, downMs, seed }));
    const plain = seedList.map((seed) => modelStorm({ delay: plainFullJitter, clients, downMs, seed }));
    rows.push({ downMs, ours: combine(ours), fixed: combine(fixed), model: combine(model), plain: combine(plain) });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, d) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const t = Date.now();
  for (const r of await stormTable({ clients: arg('clients', 1000), seeds: arg('seeds', 3) })) {
    console.log(
      `down ${String(r.downMs / 1000).padStart(2)} s | policy (state machine) ${pct(r.ours.share)} (worst ${pct(r.ours.shareMax)}), back ${s(r.ours.medianBackMs)}` +
        ` | policy (model) ${pct(r.model.share)}, back ${s(r.model.medianBackMs)}` +
        ` | plain full jitter (model, formula copied in bench) ${pct(r.plain.share)} (worst ${pct(r.plain.shareMax)}), back ${s(r.plain.medianBackMs)}` +
        ` | fixed 1 s ${pct(r.fixed.share)}, back ${s(r.fixed.medianBackMs)}`,
    );
  }
  console.error(`(${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
