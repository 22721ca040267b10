// In the page: inbound messages/s of each kind of client, in paired rounds (every
// kind once per round, the order rotated), against the servers of bench/browser.mjs.
// Returns the elapsed milliseconds per kind per round; the runner takes ratios.

import { rawLongPoll } from './latency.js';

const now = () => performance.now();
// Every handler reads `e.data`, as an app does: the browser materialises the
// string on that read, a cost any real handler pays (raw and ours alike).
// (A module-level variable: the write is observable, so it is never optimised away.)
export let last;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Each kind opens its client, starts the stream, and resolves with the
 * milliseconds until the n-th message arrived. `t0` is taken where the stream is
 * requested: after open for WebSocket (the server then writes the n frames at
 * once), at construction for the event-stream kinds (the server writes its n
 * events as soon as the request arrives, or in batches per poll).
 */
const KINDS = {
  // --- WebSocket: a server that writes n pre-built frames in one go on `blast:n:size`
  'ws raw': ({ ws, n, size }) => viaSend(new WebSocket(ws), n, size),
  'ws pushline': ({ ws, n, size }) => viaSend(new globalThis.Pushline.RealtimeClient(ws, { transports: ['websocket'] }), n, size),
  'ws reconnecting-websocket': ({ ws, n, size }) => viaSend(new globalThis.ReconnectingWebSocket(ws), n, size),
  // --- reliable mode against the server kit: a session connects once (the hub notes its origin), the hub
  // publishes n events, and the session reconnects: the hub replays the n events from the log as fast as the
  // page takes them (publishing live would measure the hub's publish path instead)
  'reliable raw': ({ hub, base, n, size, run }) => viaReplay(() => new WebSocket(`${hub}?sessionId=raw-${run}`, ['pushline.v1']), base, n, size),
  'reliable raw + JSON.parse': ({ hub, base, n, size, run }) => viaReplay(() => new WebSocket(`${hub}?sessionId=rawjson-${run}`, ['pushline.v1']), base, n, size, true),
  'reliable pushline': ({ hub, base, n, size, run }) => viaReplay(() => new globalThis.Pushline.RealtimeClient(hub, { transports: ['websocket'], reliable: true, sessionId: `pl-${run}` }), base, n, size),
  // --- one event stream of n events (ids 1..n); long-poll gets it in batches
  'sse raw EventSource': ({ sse, n }) => viaStream(() => new EventSource(sse), n),
  // what reading the fields a client needs for its cursor costs on top (lastEventId, origin, type)
  'sse raw EventSource + field reads': ({ sse, n }) => viaStream(() => new EventSource(sse), n, (e) => e.data + e.lastEventId.length + e.origin.length + e.type.length),
  'sse native': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['sse'] }), n),
  'sse fetch': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['sse'], eventSource: 'fetch' }), n),
  'long-poll': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['long-poll'] }), n),
  // the smallest correct long-poll loop a person would write: what polling itself costs, without pushline
  'raw long-poll loop': ({ sse, n }) => viaStream(() => {
    const c = { onmessage: null };
    const loop = rawLongPoll(sse, fetch, (data) => c.onmessage({ data }));
    c.close = loop.close;
    return c;
  }, n),
};

function viaSend(socket, n, size) {
  return new Promise((done, fail) => {
    let count = 0;
    let t0 = 0;
    socket.onerror = () => fail(new Error('socket error'));
    socket.onopen = () => {
      socket.onmessage = (e) => {
        last = e.data;
        if (++count === n) {
          const ms = now() - t0;
          socket.close();
          done(ms);
        }
      };
      t0 = now();
      socket.send(`blast:${n}:${size}`);
    };
  });
}

async function viaReplay(make, base, n, size, parse = false) {
  const first = make();
  await new Promise((open) => (first.onopen = open));
  await new Promise((closed) => ((first.onclose = closed), first.close()));
  await fetch(`${base}/publish?n=${n}&size=${size}`, { method: 'POST' });
  return new Promise((done) => {
    let count = 0;
    const t0 = now();
    const socket = make();
    const finish = () => {
      const ms = now() - t0;
      socket.close();
      done(ms);
    };
    socket.onmessage = parse
      ? (e) => {
          if (JSON.parse(e.data).type === 'message' && ++count === n) finish();
        }
      : (e) => {
          last = e.data;
          if (++count === n) finish();
        };
  });
}

function viaStream(make, n, read = (e) => e.data) {
  return new Promise((done) => {
    let count = 0;
    const t0 = now();
    const c = make();
    c.onmessage = (e) => {
      last = read(e);
      if (++count === n) {
        const ms = now() - t0;
        c.close();
        done(ms);
      }
    };
  });
}

/** `groups`: { name: [kinds...] }; the first kind of a group is its reference. */
export async function run({ groups, n, size, rounds, urls, profile = false }) {
  const out = {};
  let run = 0;
  for (const [group, kinds] of Object.entries(groups)) {
    const times = Object.fromEntries(kinds.map((k) => [k, []]));
    const once = async (kind, count, profiled = false) => {
      const params = { ...urls, n: count, size, run: ++run };
      params.sse = `${urls.sse}?n=${count}&size=${size}&run=${run}`;
      // bench/profile.mjs: the runner samples the CPU for exactly this run
      if (profiled) await fetch(`/profile/start?kind=${encodeURIComponent(kind)}`);
      const ms = await KINDS[kind](params);
      if (profiled) await fetch(`/profile/stop?kind=${encodeURIComponent(kind)}&ms=${ms}`);
      await sleep(30);
      return ms;
    };
    // warm-up: every kind once, JIT and connection pools
    for (const kind of kinds) await once(kind, Math.max(1000, n / 10));
    for (let r = 0; r < rounds; r++) {
      for (const kind of kinds.map((_, i) => kinds[(i + r) % kinds.length])) times[kind].push(await once(kind, n, profile && r === rounds - 1));
      fetch('/log', { method: 'POST', body: `${group} round ${r + 1}/${rounds}` });
    }
    out[group] = times;
  }
  return out;
}
