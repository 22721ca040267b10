// Reconnect storm (SPEC §6), simulated: 1,000 real clients (the built package's
// RealtimeClientBase: the real state machine and policy code) on a virtual clock,
// over a scripted transport that opens when the "server" is up and fails when it
// is down. The server restarts at t=0 (every connection dropped) and is back after
// `downMs`. Every attempt is timestamped from the client's `connecting` event.
// Virtual time makes the figure exact and independent of machine load.
import { RealtimeClientBase } from '../dist/pushline.mjs';

const WINDOW_MS = 100;

/** A virtual clock that stands in for the timer globals while a simulation runs. */
function virtualClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map();
  const add = (fn, ms, every) => {
    const id = ++seq;
    timers.set(id, { at: now + Math.max(0, ms), fn, every });
    return id;
  };
  const saved = { setTimeout, clearTimeout, setInterval, clearInterval };
  Object.assign(globalThis, {
    setTimeout: (fn, ms = 0) => add(fn, ms),
    clearTimeout: (id) => timers.delete(id),
    setInterval: (fn, ms) => add(fn, ms, ms),
    clearInterval: (id) => timers.delete(id),
  });
  return {
    now: () => now,
    /** Runs timers in time order until `until`, letting promises settle between them. */
    async run(until) {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        let next;
        for (const [id, t] of timers) if (!next || t.at < next[1].at) next = [id, t];
        if (!next || next[1].at > until) break;
        const [id, t] = next;
        now = t.at;
        if (t.every) t.at += t.every;
        else timers.delete(id);
        t.fn();
      }
      now = until;
    },
    restore: () => Object.assign(globalThis, saved),
  };
}

/** Largest share of `clients` with an attempt inside any one WINDOW_MS window. */
export function peakWindowShare(attempts, clients) {
  attempts.sort((a, b) => a.t - b.t);
  const inWindow = new Map();
  let best = 0;
  let lo = 0;
  for (const hit of attempts) {
    inWindow.set(hit.id, (inWindow.get(hit.id) ?? 0) + 1);
    while (hit.t - attempts[lo].t >= WINDOW_MS) {
      const n = inWindow.get(attempts[lo].id) - 1;
      n ? inWindow.set(attempts[lo].id, n) : inWindow.delete(attempts[lo].id);
      lo++;
    }
    best = Math.max(best, inWindow.size);
  }
  return best / clients;
}

/** One storm: `clients` clients with `reconnect` options; server down for `downMs`. */
export async function storm({ reconnect, clients = 1000, downMs = 0, latencyMs = 5 }) {
  const clock = virtualClock();
  let up = true;
  const live = new Set();
  const factory = {
    name: 'websocket',
    scheme: 'ws',
    create({ sink }) {
      const t = { readyState: 0, bufferedAmount: 0, protocol: '', extensions: '', duplex: true, binaryType: 'blob', sink };
      t.send = () => {};
      t.close = () => live.delete(t);
      // the handshake takes latencyMs; it succeeds only if the server is up by then
      setTimeout(() => {
        if (!up) return sink.close({ code: 1006, reason: '', wasClean: false });
        t.readyState = 1;
        live.add(t);
        sink.open();
      }, latencyMs);
      return t;
    },
  };
  const attempts = [];
  let restarted = false;
  let opened = 0;
  const all = [];
  try {
    for (let id = 0; id < clients; id++) {
      const c = new RealtimeClientBase('ws://127.0.0.1:1/', { reconnect, lifecycle: { online: false, pageshow: false } }, { transports: [factory], defaults: ['websocket'] });
      c.addEventListener('connecting', () => restarted && attempts.push({ id, t: clock.now() }));
      c.addEventListener('open', () => restarted && opened++);
      all.push(c);
    }
    await clock.run(1000);
    // the restart
    const t0 = clock.now();
    restarted = true;
    up = false;
    for (const t of [...live]) {
      live.delete(t);
      t.readyState = 3;
      t.sink.close({ code: 1006, reason: '', wasClean: false });
    }
    setTimeout(() => (up = true), downMs);
    await clock.run(t0 + downMs + 120000);
    for (const c of all) c.close();
    return { share: peakWindowShare(attempts.map((a) => ({ ...a, t: a.t - t0 })), clients), attempts: attempts.length, reconnected: opened };
  } finally {
    clock.restore();
  }
}

const FIXED = { initialDelayMs: 1000, factor: 1, maxDelayMs: 1000, jitter: 'none' };

/** The SPEC §6 storm figures: default policy vs a fixed-delay baseline, for a few restart durations. */
export async function stormTable() {
  const rows = [];
  for (const downMs of [0, 1000, 5000]) {
    const ours = await storm({ reconnect: undefined, downMs });
    const fixed = await storm({ reconnect: FIXED, downMs });
    rows.push({ downMs, ours, fixed });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { downMs, ours, fixed } of await stormTable()) {
    console.log(`server down ${downMs} ms: default policy peak ${(ours.share * 100).toFixed(1)}% (${ours.attempts} attempts, ${ours.reconnected} back), fixed delay ${(fixed.share * 100).toFixed(1)}%`);
  }
}
