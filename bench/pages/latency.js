// In the page: publish-to-receive latency per kind of client against the server
// kit (every kind reads the same hub; the server stamps each message with its wall
// clock), and, for the polling kinds, a timeline of every poll: when fetch() was
// called, when its headers arrived, when each body chunk was read, when the
// events were dispatched. The polling kinds get an instrumented `fetch` (the
// client's public `fetch` option; the raw loop calls the same wrapper), so nothing
// in the library is patched.
import { syncClock, wall } from './clock.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A `fetch` that records each request's milestones in `polls`. */
function instrumentedFetch(polls) {
  return async (input, init = {}) => {
    const p = { call: wall(), url: String(input), index: polls.length };
    polls.push(p);
    // the server records when this request arrived and when its answer was written, by this number
    const res = await fetch(input, { ...init, headers: { ...init.headers, 'x-bench-poll': String(p.index) } });
    p.headers = wall();
    p.status = res.status;
    const body = res.body;
    if (body) {
      const getReader = body.getReader.bind(body);
      body.getReader = (...a) => {
        const reader = getReader(...a);
        const read = reader.read.bind(reader);
        reader.read = async () => {
          const r = await read();
          if (r.done) p.eof = wall();
          else p.firstChunk ??= wall();
          return r;
        };
        return reader;
      };
      // a raw loop reading with text(): the end of the body is when text() resolves
      const text = res.text.bind(res);
      res.text = async () => {
        const t = await text();
        p.eof = p.firstChunk = wall();
        return t;
      };
    }
    return res;
  };
}

/**
 * The reference long-poll client: the smallest correct loop a person would write
 * (poll, read the body, split events, dispatch, poll again with the newest id).
 */
export function rawLongPoll(url, f, onData) {
  let id = '';
  let stopped = false;
  const ctrl = new AbortController();
  (async () => {
    while (!stopped) {
      try {
        const u = new URL(url, location.href);
        u.searchParams.set('transport', 'long-poll');
        if (id) u.searchParams.set('lastEventId', id);
        const res = await f(u.href, { signal: ctrl.signal, cache: 'no-store' });
        if (res.status === 204) continue;
        const text = await res.text();
        for (const block of text.split('\n\n')) {
          let data;
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data = line.slice(5).trimStart();
          }
          if (data !== undefined) onData(data, id);
        }
      } catch {
        if (!stopped) await sleep(100);
      }
    }
  })();
  return { close: () => ((stopped = true), ctrl.abort()) };
}

const KINDS = {
  'raw WebSocket': ({ ws }, on) => wrap(new WebSocket(ws), on),
  websocket: ({ ws }, on) => wrap(new globalThis.Pushline.RealtimeClient(ws, { transports: ['websocket'] }), on),
  'raw EventSource': ({ http }, on) => wrap(new EventSource(http), on),
  'sse (native)': ({ http }, on) => wrap(new globalThis.Pushline.RealtimeClient(http, { transports: ['sse'] }), on),
  'sse (fetch)': ({ http }, on) => wrap(new globalThis.Pushline.RealtimeClient(http, { transports: ['sse'], eventSource: 'fetch' }), on),
  'raw long-poll loop': ({ http }, on, polls) => {
    const c = rawLongPoll(http, instrumentedFetch(polls), (data) => on(data));
    return { close: c.close, opened: Promise.resolve() };
  },
  'long-poll': ({ http }, on, polls) => wrap(new globalThis.Pushline.RealtimeClient(http, { transports: ['long-poll'], fetch: instrumentedFetch(polls) }), on),
};

function wrap(c, on) {
  c.onmessage = (e) => on(e.data);
  return { close: () => c.close(), opened: new Promise((r) => (c.onopen = () => r())) };
}

/** Connects `kind`, tells the runner to publish `n` messages, collects their latencies and the polls. */
export async function run({ kinds, n, gapMs, runs, urls }) {
  const out = { clock: await syncClock(urls.base) };
  for (let r = 0; r < runs; r++) {
    for (const kind of kinds) {
      const polls = [];
      await fetch(`${urls.base}/latency/reset`, { method: 'POST' });
      const got = [];
      const c = KINDS[kind](urls, (data) => {
        const t = wall();
        got.push({ stamp: Number(data), t });
        const p = polls[polls.length - 1];
        if (p) (p.dispatched ??= []).push(t);
      }, polls);
      await c.opened;
      // a long-poll is held before publishing starts, as in steady state
      await sleep(300);
      await fetch(`${urls.base}/latency/publish?n=${n}&gapMs=${gapMs}`, { method: 'POST' });
      const deadline = wall() + 10000;
      while (got.length < n && wall() < deadline) await sleep(20);
      c.close();
      await sleep(100);
      const server = await (await fetch(`${urls.base}/latency/polls`)).json();
      (out[kind] ??= []).push({ lat: got.map((g) => g.t - g.stamp), got: got.length, polls, server, stamps: got.map((g) => g.stamp) });
    }
  }
  return out;
}
