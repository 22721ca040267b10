// In the page: the idle cost of open clients. Heap is read after a forced GC
// (`--js-flags=--expose-gc`, `performance.memory` made precise by
// `--enable-precise-memory-info`); timers are counted by wrapping the timer
// globals before any client exists. Chromium allows 255 WebSockets per page, so
// the 1,000-client figures use a minimal fake `WebSocket` (injected through the
// `WebSocket` option; opens at once, never sends) and subtract what 1,000 of those
// cost alone: what remains is the client's own. Real sockets are measured at 200.
// At each phase the page may ask the runner for a heap snapshot (`/snapshot`).

const sleep = (ms) => new Promise((r) => realSetTimeout(r, ms));
const realSetTimeout = globalThis.setTimeout;

// --- timers, counted -------------------------------------------------------------
const pending = new Map();
let fired = 0;
{
  const { setTimeout: st, clearTimeout: ct, setInterval: si, clearInterval: ci } = globalThis;
  globalThis.setTimeout = function (fn, ms, ...args) {
    const id = st.call(this, (...a) => {
      pending.delete(id);
      fired++;
      if (typeof fn === 'function') fn(...a);
    }, ms, ...args);
    pending.set(id, 'timeout');
    return id;
  };
  globalThis.clearTimeout = function (id) {
    pending.delete(id);
    return ct.call(this, id);
  };
  globalThis.setInterval = function (fn, ms, ...args) {
    const id = si.call(this, (...a) => {
      fired++;
      if (typeof fn === 'function') fn(...a);
    }, ms, ...args);
    pending.set(id, 'interval');
    return id;
  };
  globalThis.clearInterval = function (id) {
    pending.delete(id);
    return ci.call(this, id);
  };
}

async function heap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(50);
  }
  return performance.memory.usedJSHeapSize;
}

/** A WebSocket stand-in: opens on a microtask, never sends or closes by itself. */
class FakeWebSocket extends EventTarget {
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
    super();
    this.url = url;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.(new Event('open'));
    });
  }
  send() {}
  close(code = 1005, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.(Object.assign(new Event('close'), { code, reason, wasClean: true })));
  }
}

const handler = () => {};

async function openAll(make, n) {
  const list = [];
  await Promise.all(Array.from({ length: n }, () => new Promise((open, fail) => {
    const s = make();
    list.push(s);
    s.onmessage = handler;
    s.onopen = () => open();
    s.onerror = () => fail(new Error('a socket failed'));
  })));
  return list;
}

const snapshot = (label, enabled) => (enabled ? fetch(`/snapshot?label=${label}`).then((r) => r.text()) : undefined);

/** `n` fake-socket clients per variant, `real` real sockets; `snapshots` asks the runner for heap snapshots. */
export async function run({ n = 1000, real = 200, url, snapshots = false, idleMs = 6000 }) {
  const P = globalThis.Pushline;
  const out = { n, real };
  // the runner turns allocation tracking on first
  if (snapshots) await fetch('/ready');

  const h0 = await heap();
  let fakes = await openAll(() => new FakeWebSocket(url), n);
  const hFakes = await heap();
  out.fakeBytes = (hFakes - h0) / n;
  await snapshot('fakes', snapshots);
  fakes.length = 0;
  fakes = null;

  const variants = {
    'no heartbeat': {},
    'heartbeat 30 s': { heartbeat: { intervalMs: 30000 } },
  };
  out.variants = {};
  for (const [name, extra] of Object.entries(variants)) {
    const before = await heap();
    const timersBefore = pending.size;
    let clients = await openAll(() => new P.RealtimeClient(url, { transports: ['websocket'], WebSocket: FakeWebSocket, ...extra }), n);
    const timersAtOpen = pending.size - timersBefore;
    // past minUptimeMs (5 s): the uptime timer has fired; what is left is the idle state
    await sleep(idleMs);
    const firedBefore = fired;
    await sleep(5000);
    const wakeups = (fired - firedBefore) / 5;
    const timersIdle = pending.size - timersBefore;
    const after = await heap();
    if (name === 'no heartbeat') await snapshot('pushline', snapshots);
    out.variants[name] = {
      bytesPerClient: (after - before) / n - out.fakeBytes,
      timersPerClientAtOpen: timersAtOpen / n,
      timersPerClientIdle: timersIdle / n,
      timersIdle,
      wakeupsPerSecond: wakeups,
    };
    for (const c of clients) c.close();
    await sleep(200);
    clients.length = 0;
    clients = null;
  }

  // real sockets: the client over a browser WebSocket vs the bare WebSocket
  if (real) {
    const b0 = await heap();
    let raw = await openAll(() => new WebSocket(url), real);
    const b1 = await heap();
    for (const s of raw) s.close();
    raw = null;
    await sleep(500);
    const c0 = await heap();
    let clients = await openAll(() => new P.RealtimeClient(url, { transports: ['websocket'] }), real);
    await sleep(idleMs);
    const c1 = await heap();
    for (const c of clients) c.close();
    clients = null;
    out.realRawBytes = (b1 - b0) / real;
    out.realPushlineBytes = (c1 - c0) / real;
  }
  return out;
}
