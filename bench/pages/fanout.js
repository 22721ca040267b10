// In the page: `clients` WebSocket clients of one kind, each with the same
// handler (the delivery latency of a message: page time minus the server's stamp in
// it, both wall clocks of this machine). The server sends every client one
// message every 20 ms for `durationMs`; the page then waits for the backlog.

import { syncClock, wall } from './clock.js';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run({ kind, clients, url, base, durationMs, graceMs = 30000 }) {
  const expected = { n: 0 };
  // latency and server send time (relative to the start) per message, preallocated
  const cap = Math.ceil((clients * durationMs) / 20) + clients * 100;
  const lat = new Float64Array(cap);
  const sent = new Float64Array(cap);
  let got = 0;
  let start = 0;
  const handler = (e) => {
    const stamp = Number(e.data);
    if (got < cap) {
      lat[got] = wall() - stamp;
      sent[got] = stamp - start;
    }
    got++;
  };
  const make = {
    bare: () => new WebSocket(url),
    pushline: () => new globalThis.Pushline.RealtimeClient(url, { transports: ['websocket'] }),
  }[kind];
  const sockets = [];
  await Promise.all(
    Array.from({ length: clients }, () => new Promise((open, fail) => {
      const s = make();
      sockets.push(s);
      s.onmessage = handler;
      s.onopen = () => open();
      s.onerror = () => fail(new Error(`${kind}: a socket failed to open`));
    })),
  );
  const clock = await syncClock(base);
  const answer = await (await fetch(`${base}/fanout/start?ms=${durationMs}`, { method: 'POST' })).json();
  start = answer.start;
  expected.n = await (await fetch(`${base}/fanout/done`)).json();
  const deadline = wall() + graceMs;
  while (got < expected.n && wall() < deadline) await sleep(50);
  const settledAfterMs = wall() - (start + durationMs);
  for (const s of sockets) s.close();
  const n = Math.min(got, cap);
  const window = (from, to) => {
    let sum = 0;
    let k = 0;
    for (let i = 0; i < n; i++) if (sent[i] >= from && sent[i] < to) (sum += lat[i]), k++;
    return k ? sum / k : NaN;
  };
  const all = Array.from(lat.subarray(0, n)).sort((a, b) => a - b);
  let sum = 0;
  for (const x of all) sum += x;
  return {
    kind,
    clients,
    clock,
    expected: expected.n,
    delivered: got,
    settledAfterMs,
    avg: sum / n,
    p50: all[Math.floor(n * 0.5)],
    p99: all[Math.min(n - 1, Math.floor(n * 0.99))],
    max: all[n - 1],
    first10: window(0, 10000),
    last10: window(durationMs - 10000, durationMs),
  };
}
