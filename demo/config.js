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
  sse: { label: 'SSE · EventSource', hint: 'GET /events, native EventSource' },
  'sse-fetch': { label: 'SSE · fetch', hint: 'GET /events read with fetch: retry: and statuses honoured' },
  'long-poll': { label: 'Long-poll', hint: 'GET /events?transport=long-poll' },
  'worker-poll': { label: 'Worker-poll', hint: 'GET /chat/log from a Worker, ETag/304' },
  chain: { label: 'Fallback chain', hint: 'websocket → sse → long-poll' },
};

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
