// In the page: inbound messages/s of each kind of client, in paired rounds (every
// kind once per round, the order rotated), against the servers of bench/browser.mjs.
// Returns the elapsed milliseconds per kind per round; the runner takes ratios.

const now = () => performance.now();
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
  // --- reliable mode against the server kit: the hub publishes n events once the client is open
  'reliable raw': ({ hub, base, n, size, run }) => viaPublish(new WebSocket(`${hub}?sessionId=raw-${run}`, ['pushline.v1']), base, n, size),
  'reliable raw + JSON.parse': ({ hub, base, n, size, run }) => viaPublish(new WebSocket(`${hub}?sessionId=rawjson-${run}`, ['pushline.v1']), base, n, size, true),
  'reliable pushline': ({ hub, base, n, size, run }) => viaPublish(new globalThis.Pushline.RealtimeClient(hub, { transports: ['websocket'], reliable: true, sessionId: `pl-${run}` }), base, n, size),
  // --- one event stream of n events (ids 1..n); long-poll gets it in batches
  'sse raw EventSource': ({ sse, n }) => viaStream(() => new EventSource(sse), n),
  'sse native': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['sse'] }), n),
  'sse fetch': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['sse'], eventSource: 'fetch' }), n),
  'long-poll': ({ sse, n }) => viaStream(() => new globalThis.Pushline.RealtimeClient(sse, { transports: ['long-poll'] }), n),
};

function viaSend(socket, n, size) {
  return new Promise((done, fail) => {
    let count = 0;
    let t0 = 0;
    socket.onerror = () => fail(new Error('socket error'));
    socket.onopen = () => {
      socket.onmessage = () => {
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

function viaPublish(socket, base, n, size, parse = false) {
  return new Promise((done, fail) => {
    let count = 0;
    let t0 = 0;
    socket.onopen = () => {
      socket.onmessage = parse
        ? (e) => {
            if (JSON.parse(e.data).type === 'message' && ++count === n) finish();
          }
        : () => {
            if (++count === n) finish();
          };
      t0 = now();
      fetch(`${base}/publish?n=${n}&size=${size}`, { method: 'POST' }).catch(fail);
    };
    const finish = () => {
      const ms = now() - t0;
      socket.close();
      done(ms);
    };
  });
}

function viaStream(make, n) {
  return new Promise((done) => {
    let count = 0;
    const t0 = now();
    const c = make();
    c.onmessage = () => {
      if (++count === n) {
        const ms = now() - t0;
        c.close();
        done(ms);
      }
    };
  });
}

/** `groups`: { name: [kinds...] }; the first kind of a group is its reference. */
export async function run({ groups, n, size, rounds, urls }) {
  const out = {};
  let run = 0;
  for (const [group, kinds] of Object.entries(groups)) {
    const times = Object.fromEntries(kinds.map((k) => [k, []]));
    const once = async (kind, count) => {
      const params = { ...urls, n: count, size, run: ++run };
      params.sse = `${urls.sse}?n=${count}&size=${size}&run=${run}`;
      const ms = await KINDS[kind](params);
      await sleep(30);
      return ms;
    };
    // warm-up: every kind once, JIT and connection pools
    for (const kind of kinds) await once(kind, Math.max(1000, n / 10));
    for (let r = 0; r < rounds; r++) {
      for (const kind of kinds.map((_, i) => kinds[(i + r) % kinds.length])) times[kind].push(await once(kind, n));
      fetch('/log', { method: 'POST', body: `${group} round ${r + 1}/${rounds}` });
    }
    out[group] = times;
  }
  return out;
}
