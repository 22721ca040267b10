import { DEFAULT_RECONNECT, type ReconnectOptions } from './policy.js';
import { validateProtocols } from './url.js';
import type { CloseInfo, HeadersInput, SendData, TransportName, UrlInput } from '../types.js';

/** Half-open detection for WebSocket: a ping on a timer and a deadline for any inbound data. */
export interface HeartbeatOptions {
  /** How often `message` is sent. */
  intervalMs: number;
  /**
   * Extra grace after `intervalMs` before a silent connection is failed.
   * @default intervalMs
   */
  timeoutMs?: number;
  /**
   * What is sent every `intervalMs`.
   * @default 'ping'
   */
  message?: SendData;
  /**
   * An inbound message equal to this proves liveness only: it never reaches `parse` or listeners.
   * @default 'pong'
   */
  reply?: string;
}

/** Bounds of the queue that holds sends made while not OPEN (and, in reliable mode, unacknowledged ones). */
export interface QueueOptions {
  /** @default 1000 */
  maxMessages: number;
  /** @default 1048576 */
  maxBytes: number;
  /**
   * `'reject'`: `send()` returns `false` and emits `error` with a `QueueFullError`;
   * `'drop-oldest'`: the oldest sends not yet handed to a transport are evicted to make room.
   * @default 'reject'
   */
  overflow: 'reject' | 'drop-oldest';
}

/** How the client reacts to the page's lifecycle. */
export interface LifecycleOptions {
  /** Reconnect at once on `online`. @default true */
  online: boolean;
  /** Hold retries while `navigator.onLine` is false (never for a loopback or same-host server). @default true */
  offline: boolean;
  /** `'pause'` disconnects while the page is hidden and reconnects when visible. @default 'keep' */
  hidden: 'keep' | 'pause';
  /** Reconnect at once when the page comes back from the back/forward cache. @default true */
  pageshow: boolean;
}

/** Chunked-upload defaults. */
export interface UploadDefaults {
  /** Bytes per binary frame. @default 131072 */
  chunkSize: number;
  /** Most bytes in flight: the upload socket's `bufferedAmount`, and bytes not yet acknowledged. @default 1048576 */
  highWaterMark: number;
  /** The upload endpoint. @default the websocket URL */
  url?: string | URL;
}

/** Options a single `transports` entry may override. */
export interface TransportOverrides {
  /** This transport's own URL. */
  url?: UrlInput;
  /** See `Options.headers`. */
  headers?: HeadersInput;
  /** See `Options.withCredentials`. */
  withCredentials?: boolean;
  /** See `Options.eventSource`. */
  eventSource?: 'native' | 'fetch';
  /** See `Options.protocols`. */
  protocols?: string | string[];
  /** See `Options.longPoll`. */
  longPoll?: { timeoutMs: number };
  /** See `Options.pollIntervalMs`. */
  pollIntervalMs?: number;
  /** See `Options.workerUrl`. */
  workerUrl?: string | URL;
  /** See `Options.sendUrl`. */
  sendUrl?: string | URL;
}

/** A `transports` entry: a name, or a name with its own URL and options. */
export type TransportEntry<Name extends TransportName = TransportName> = Name | ({ name: Name } & TransportOverrides);

/** Options of `new RealtimeClient(url, options)`. Every one is optional. */
export interface Options<In = unknown, Out = SendData, Name extends TransportName = TransportName> {
  /**
   * Transports in the order tried on the first connection; one that fails or
   * does not open within `connectTimeoutMs` hands over to the next (`fallback`).
   * @default ['websocket', 'sse', 'long-poll']
   */
  transports?: TransportEntry<Name>[];
  /** WebSocket subprotocols, validated as the browser does. */
  protocols?: string | string[];
  /**
   * Send cookies cross-origin: `EventSource` `withCredentials`, and
   * `credentials: 'include'` on every fetch.
   * @default false
   */
  withCredentials?: boolean;
  /** Request headers for the fetch-based transports; a function is called per request. */
  headers?: HeadersInput;
  /**
   * `'native'` wraps `EventSource` (its keep-alive comments are invisible, so only
   * events count for `idleTimeoutMs`); `'fetch'` reads the stream with fetch
   * (headers, `retry:` honoured, HTTP status classified, comments prove liveness).
   * @default 'native'
   */
  eventSource?: 'native' | 'fetch';
  /**
   * The reconnect policy; a partial object is merged over the defaults;
   * `false` disables reconnection.
   * @default { initialDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: 'full', maxAttempts: Infinity, minUptimeMs: 5000, maxHintMs: 3600000 }
   */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Overrides the default classification of which closes are retried. */
  shouldReconnect?: (info: CloseInfo) => boolean;
  /**
   * An attempt not OPEN by then is failed; also bounds each HTTP send and the closing handshake.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * WebSocket keep-alive and half-open detection.
   * @default off
   */
  heartbeat?: HeartbeatOptions;
  /**
   * Fail the connection when nothing at all arrives for this long.
   * @default off
   */
  idleTimeoutMs?: number;
  /**
   * Bounds of the queue of sends made while not OPEN.
   * @default { maxMessages: 1000, maxBytes: 1048576, overflow: 'reject' }
   */
  queue?: Partial<QueueOptions>;
  /**
   * Like `WebSocket.binaryType`.
   * @default 'blob'
   */
  binaryType?: BinaryType;
  /**
   * Decodes inbound data into `In`; a throw becomes an `error` event with a `ProtocolError`.
   * @default identity
   */
  parse?: (data: unknown) => In;
  /**
   * Encodes outbound `Out` into something `send()` can carry.
   * @default identity
   */
  serialize?: (data: Out) => SendData;
  /**
   * How the client follows the page's lifecycle.
   * @default { online: true, offline: true, hidden: 'keep', pageshow: true }
   */
  lifecycle?: Partial<LifecycleOptions>;
  /**
   * Client-side abort of one long-poll request.
   * @default { timeoutMs: 45000 }
   */
  longPoll?: { timeoutMs: number };
  /**
   * worker-poll period.
   * @default 5000
   */
  pollIntervalMs?: number;
  /** worker-poll: a same-origin worker script, for CSPs that forbid `blob:` workers. */
  workerUrl?: string | URL;
  /**
   * Where HTTP transports POST `send()`.
   * @default the transport URL
   */
  sendUrl?: string | URL;
  /**
   * Chunked upload settings.
   * @default { chunkSize: 131072, highWaterMark: 1048576, url: the websocket URL }
   */
  upload?: Partial<UploadDefaults>;
  /**
   * Connect from the constructor, like `WebSocket`.
   * @default true
   */
  autoConnect?: boolean;
  /** Aborting it closes the client. */
  signal?: AbortSignal;
  /**
   * Reliable delivery: server-assigned ids and resume on every transport, sends kept
   * until the server acknowledges them and deduplicated there, `reset` when the
   * server cannot resume. Needs a server that speaks the pushline protocol.
   * @default false
   */
  reliable?: boolean;
  /**
   * Reliable mode: the id that ties this client's reconnects and fallbacks to one
   * delivery session: its cursor, and the numbering (`seq`) of its sends, which the
   * server deduplicates. Every client numbers its sends from 1, so give each client
   * instance its own id (the default): a new instance that reuses the id of an
   * earlier one (persisted across a page reload, say) would have its first sends
   * taken for retransmits of the earlier instance's and dropped by the server.
   * @default a random UUID per client
   */
  sessionId?: string;
  /** @default globalThis.WebSocket */
  WebSocket?: typeof WebSocket;
  /** @default globalThis.EventSource */
  EventSource?: typeof EventSource;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default globalThis.Worker */
  Worker?: typeof Worker;
}

/** Options after defaults are applied and values checked: what the core and transports read. */
export interface Resolved {
  protocols: string[];
  withCredentials: boolean;
  headers: HeadersInput | undefined;
  eventSource: 'native' | 'fetch';
  reconnect: ReconnectOptions;
  shouldReconnect: ((info: CloseInfo) => boolean) | undefined;
  connectTimeoutMs: number;
  heartbeat: Required<HeartbeatOptions> | undefined;
  idleTimeoutMs: number | undefined;
  queue: QueueOptions;
  binaryType: BinaryType;
  parse: ((data: unknown) => unknown) | undefined;
  serialize: ((data: never) => SendData) | undefined;
  lifecycle: LifecycleOptions;
  longPoll: { timeoutMs: number };
  pollIntervalMs: number;
  workerUrl: string | URL | undefined;
  sendUrl: string | URL | undefined;
  upload: UploadDefaults;
  autoConnect: boolean;
  signal: AbortSignal | undefined;
  reliable: boolean;
  sessionId: string;
  WebSocket: typeof WebSocket | undefined;
  EventSource: typeof EventSource | undefined;
  fetch: typeof fetch;
  Worker: typeof Worker | undefined;
}

/** Longest delay a browser timer can hold (2^31 - 1 ms); beyond it, timers fire at once. */
const MAX_TIMER_MS = 2147483647;

/**
 * Checks a count or duration: a number, an integer (Infinity only where `max` is
 * Infinity), within [min, max]. The error names the option, as browsers do.
 */
export function checkNumber(name: string, value: unknown, min: number, max = MAX_TIMER_MS, integer = true): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!(value >= min && value <= max) || (integer && value !== Infinity && value % 1)) {
    throw new RangeError(`${name} must be ${integer ? 'an integer ' : ''}in [${min}, ${max}], got ${value}`);
  }
}

/**
 * Every checked option: its path in the resolved options, then the minimum and
 * maximum for a number (the longest timer when absent; `Infinity` allows Infinity),
 * `0.5` as a third item for a number that need not be an integer, or the list of
 * allowed values. Absent optional ones (heartbeat, idleTimeoutMs) are not checked.
 */
const RULES: ReadonlyArray<readonly [string, ...(number | readonly string[])[]]> = [
  ['reconnect.initialDelayMs', 0],
  ['reconnect.maxDelayMs', 0],
  ['reconnect.factor', 1, 1e6, 0.5],
  ['reconnect.maxAttempts', 0, Infinity],
  ['reconnect.minUptimeMs', 0],
  ['reconnect.maxHintMs', 0],
  ['reconnect.jitter', ['full', 'none']],
  ['connectTimeoutMs', 1],
  ['heartbeat.intervalMs', 1],
  ['heartbeat.timeoutMs', 0],
  ['idleTimeoutMs', 1],
  ['queue.maxMessages', 0, Infinity],
  ['queue.maxBytes', 0, Infinity],
  ['queue.overflow', ['reject', 'drop-oldest']],
  ['eventSource', ['native', 'fetch']],
  ['binaryType', ['blob', 'arraybuffer']],
  ['lifecycle.hidden', ['keep', 'pause']],
  ['longPoll.timeoutMs', 1],
  ['pollIntervalMs', 1],
  ['upload.chunkSize', 1, Infinity],
  ['upload.highWaterMark', 1, Infinity],
];

const randomId = (): string =>
  // randomUUID needs a secure context; plain-http pages get 128 random bits another way
  globalThis.crypto.randomUUID?.() ?? [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');

// The defaults of the option groups, shared (frozen) by every client that sets none of a group:
// a page with a thousand clients holds one copy of each, not a thousand.
const frozen = <T extends object>(value: T): Readonly<T> => Object.freeze(value);
const RECONNECT = frozen({ ...DEFAULT_RECONNECT });
const QUEUE: Readonly<QueueOptions> = frozen({ maxMessages: 1000, maxBytes: 1048576, overflow: 'reject' });
const LIFECYCLE: Readonly<LifecycleOptions> = frozen({ online: true, offline: true, hidden: 'keep', pageshow: true });
const LONG_POLL = frozen({ timeoutMs: 45000 });
const UPLOAD: Readonly<UploadDefaults> = frozen({ chunkSize: 131072, highWaterMark: 1048576 });
const NO_PROTOCOLS = frozen([]) as unknown as string[];
/** The group's defaults under what the app set of it, or the shared defaults when it set nothing. */
const group = <T extends object>(defaults: Readonly<T>, given: Partial<T> | undefined): T => (given ? { ...defaults, ...given } : (defaults as T));

/** Applies the defaults, once, in one place, and throws a `RangeError`/`TypeError` naming any bad option. */
export function resolveOptions<In, Out, Name extends TransportName>(o: Options<In, Out, Name>): Resolved {
  const g = globalThis;
  const hb = o.heartbeat;
  // "reconnect: false" is a policy that never retries
  const reconnect = group(RECONNECT, o.reconnect === false ? { maxAttempts: 0 } : o.reconnect);
  const r: Resolved = {
    protocols: o.protocols === undefined ? NO_PROTOCOLS : typeof o.protocols === 'string' ? [o.protocols] : [...o.protocols],
    withCredentials: !!o.withCredentials,
    headers: o.headers,
    eventSource: o.eventSource ?? 'native',
    reconnect,
    shouldReconnect: o.shouldReconnect,
    connectTimeoutMs: o.connectTimeoutMs ?? 10000,
    heartbeat: hb && { intervalMs: hb.intervalMs, timeoutMs: hb.timeoutMs ?? hb.intervalMs, message: hb.message ?? 'ping', reply: hb.reply ?? 'pong' },
    idleTimeoutMs: o.idleTimeoutMs,
    queue: group(QUEUE, o.queue),
    binaryType: o.binaryType ?? 'blob',
    parse: o.parse,
    serialize: o.serialize as Resolved['serialize'],
    lifecycle: group(LIFECYCLE, o.lifecycle),
    longPoll: group(LONG_POLL, o.longPoll),
    pollIntervalMs: o.pollIntervalMs ?? 5000,
    workerUrl: o.workerUrl,
    sendUrl: o.sendUrl,
    upload: group(UPLOAD, o.upload),
    autoConnect: o.autoConnect ?? true,
    signal: o.signal,
    reliable: !!o.reliable,
    sessionId: o.sessionId ?? randomId(),
    WebSocket: o.WebSocket ?? g.WebSocket,
    EventSource: o.EventSource ?? g.EventSource,
    // called unbound: a stored `window.fetch` would throw "Illegal invocation"
    fetch: (input, init) => (o.fetch ?? g.fetch)(input, init),
    Worker: o.Worker ?? g.Worker,
  };
  validateProtocols(r.protocols);
  for (const [name, min, max, integer] of RULES) {
    const value = name.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], r);
    if (value === undefined && /^(heartbeat|idle)/.test(name)) continue;
    if (Array.isArray(min)) {
      if (!min.includes(value as string)) throw new TypeError(`${name} must be one of ${min.join(', ')}, got ${String(value)}`);
    } else checkNumber(name, value, min as number, max as number | undefined, integer !== 0.5);
  }
  return r;
}
