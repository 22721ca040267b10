// The page's settings: defaults for a person watching, overridable from the query
// string (the tests make every delay short: ?initialDelayMs=50&heartbeatMs=300...).
//
//   transport    websocket | sse | sse-fetch | long-poll | worker-poll | chain
//   name         chat name
//   server       origin of another demo server (cross-origin mode)
//   credentials  1: withCredentials (cookies cross-origin)
//   autoconnect  0: wait for the Connect button
//   stats        0: no worker-poll stats panel client
//   initialDelayMs maxDelayMs minUptimeMs connectTimeoutMs heartbeatMs idleTimeoutMs pollMs windowS

/** Transports the page offers, and how each maps onto `transports` entries. */
export const TRANSPORTS = {
  websocket: { label: 'WebSocket', hint: 'ws /chat, heartbeat ping/pong' },
  sse: { label: 'SSE (EventSource)', hint: 'GET /events, native EventSource' },
  'sse-fetch': { label: 'SSE (fetch)', hint: 'GET /events read with fetch: retry: and statuses honoured' },
  'long-poll': { label: 'Long-poll', hint: 'GET /events?transport=long-poll' },
  'worker-poll': { label: 'Worker-poll', hint: 'GET /chat/log from a Worker, ETag/304' },
  chain: { label: 'Fallback chain', hint: 'websocket → sse (EventSource) → long-poll' },
};

/**
 * How the page names a live transport, the same in the status bar, the log, the
 * timeline and the chat: the client's own name, plus the SSE mode, because
 * `client.transport` is 'sse' for both modes and the difference matters here
 * (only fetch mode sees statuses, Retry-After and `retry:`).
 * @param {string | null | undefined} transport
 * @param {'native' | 'fetch' | undefined} sseMode
 */
export function transportName(transport, sseMode) {
  if (!transport) return '—';
  if (transport !== 'sse') return transport;
  return sseMode === 'fetch' ? 'sse (fetch)' : 'sse (EventSource)';
}

const TWO_WORD_NAMES = /(sse \((?:EventSource|fetch)\))/;

/**
 * `text` as nodes, each two-word transport name in a `.tname` span that never wraps:
 * a line may break before "sse (EventSource)" but not inside it.
 * @returns {(string | HTMLElement)[]} for `append()`
 */
export function withNames(text) {
  return text.split(TWO_WORD_NAMES).map((part, i) => {
    if (i % 2 === 0) return part;
    const span = globalThis.document.createElement('span');
    span.className = 'tname';
    span.textContent = part;
    return span;
  });
}

/** The SSE mode a set of client options uses: the `sse` entry's `eventSource`, 'native' by default as in the client. */
export function sseModeOf(options) {
  const entry = options.transports.find((e) => (typeof e === 'string' ? e : e.name) === 'sse');
  return (typeof entry === 'object' && entry.eventSource) || 'native';
}

// The chat room relays `via` as the bare transport name ('sse' for either mode) and
// drops unknown fields, but it passes the client-chosen message id `cid` through
// untouched: so a message sent over SSE carries its mode in front of its id
// ("fetch.<uuid>"), and every tab can say which SSE it came over.
const CID_MODE = /^(native|fetch)\./;

/** A chat message id, tagged with the SSE mode when the message goes over SSE. */
export const chatId = (transport, sseMode, uuid) => (transport === 'sse' ? `${sseMode}.${uuid}` : uuid);

/** The transport a relayed chat message came over, named as `transportName` does ('sse' when the mode is unknown). */
export function viaName(message) {
  if (message.via !== 'sse') return message.via;
  const mode = CID_MODE.exec(message.cid ?? '')?.[1];
  return mode ? transportName('sse', mode) : 'sse';
}

/** Numeric settings: [query name, default, label]. */
export const NUMBERS = [
  ['initialDelayMs', 1000, 'initial delay (ms)'],
  ['maxDelayMs', 15000, 'max delay (ms)'],
  ['minUptimeMs', 5000, 'min uptime (ms)'],
  ['connectTimeoutMs', 5000, 'connect timeout (ms)'],
  ['heartbeatMs', 4000, 'heartbeat (ms)'],
  ['idleTimeoutMs', 8000, 'idle timeout (ms)'],
  ['pollMs', 1000, 'poll interval (ms)'],
];

export function readConfig(search = globalThis.location.search) {
  const q = new URLSearchParams(search);
  const transport = q.get('transport') ?? 'websocket';
  const server = new URL(q.get('server') || globalThis.location.origin).origin;
  const config = {
    transport: Object.hasOwn(TRANSPORTS, transport) ? transport : 'websocket',
    name: q.get('name') ?? '',
    server,
    ws: server.replace(/^http/, 'ws'),
    credentials: q.get('credentials') === '1',
    autoconnect: q.get('autoconnect') !== '0',
    stats: q.get('stats') !== '0',
    windowMs: 1000 * (Number(q.get('windowS')) || 60),
  };
  for (const [key, fallback] of NUMBERS) {
    const value = Number(q.get(key));
    config[key] = q.has(key) && Number.isFinite(value) && value >= 0 ? value : fallback;
  }
  return config;
}

/** Where each transport connects: one chat room, three wire conventions. */
export function urlFor(config, transport) {
  if (transport === 'websocket') return `${config.ws}/chat`;
  if (transport === 'worker-poll') return `${config.server}/chat/log`;
  return `${config.server}/events`;
}

/** `RealtimeClient` options for the page's choice. */
export function clientOptions(config, choice) {
  const entries = {
    websocket: ['websocket'],
    sse: [{ name: 'sse', eventSource: 'native' }],
    'sse-fetch': [{ name: 'sse', eventSource: 'fetch' }],
    'long-poll': ['long-poll'],
    // the chat log is a document: sends go to the event hub instead
    'worker-poll': [{ name: 'worker-poll', sendUrl: `${config.server}/events` }],
    chain: ['websocket', 'sse', 'long-poll'],
  }[choice];
  return {
    transports: entries,
    withCredentials: config.credentials,
    reconnect: { initialDelayMs: config.initialDelayMs, maxDelayMs: config.maxDelayMs, minUptimeMs: config.minUptimeMs },
    connectTimeoutMs: config.connectTimeoutMs,
    ...(config.heartbeatMs > 0 ? { heartbeat: { intervalMs: config.heartbeatMs } } : {}),
    ...(config.idleTimeoutMs > 0 ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
    pollIntervalMs: config.pollMs,
    autoConnect: false,
  };
}
