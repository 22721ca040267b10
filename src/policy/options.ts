import { DEFAULT_RECONNECT, type ReconnectOptions } from './policy.js';
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
}

/** Bounds of the queue that holds sends made while not OPEN. */
export interface QueueOptions {
  /** @default 1000 */
  maxMessages: number;
  /** @default 1048576 */
  maxBytes: number;
  /**
   * `'reject'`: `send()` returns `false` and emits `error` with a `QueueFullError`;
   * `'drop-oldest'`: the oldest queued sends are evicted to make room.
   * @default 'reject'
   */
  overflow: 'reject' | 'drop-oldest';
}

/** How the client reacts to the page's lifecycle. */
export interface LifecycleOptions {
  /** Reconnect at once on `online`. @default true */
  online: boolean;
  /** Hold retries while `navigator.onLine` is false. @default true */
  offline: boolean;
  /** `'pause'` disconnects while the page is hidden and reconnects when visible. @default 'keep' */
  hidden: 'keep' | 'pause';
  /** Reconnect at once when the page comes back from the back/forward cache. @default true */
  pageshow: boolean;
}

/** Chunked-upload defaults (SPEC §5). */
export interface UploadDefaults {
  /** Bytes per binary frame. @default 131072 */
  chunkSize: number;
  /** Most bytes allowed in the upload socket's `bufferedAmount`. @default 1048576 */
  highWaterMark: number;
  /** The upload endpoint. @default the websocket URL */
  url?: string | URL;
}

/** Options a single `transports` entry may override. */
export interface TransportOverrides {
  /** This transport's own URL. */
  url?: UrlInput;
  headers?: HeadersInput;
  withCredentials?: boolean;
  eventSource?: 'native' | 'fetch';
  protocols?: string | string[];
  longPoll?: { timeoutMs: number };
  pollIntervalMs?: number;
  workerUrl?: string | URL;
  sendUrl?: string | URL;
}

/** A `transports` entry: a name, or a name with its own URL and options. */
export type TransportEntry = TransportName | ({ name: TransportName } & TransportOverrides);

/** Options of `new RealtimeClient(url, options)`. Every one is optional. */
export interface Options<In = unknown, Out = SendData> {
  /**
   * Transports in the order tried on the first connection; one that fails or
   * does not open within `connectTimeoutMs` hands over to the next (`fallback`).
   * @default ['websocket', 'sse', 'long-poll']
   */
  transports?: TransportEntry[];
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
   * `'native'` wraps `EventSource`; `'fetch'` reads the stream with fetch
   * (headers, `retry:`, HTTP status classified).
   * @default 'native'
   */
  eventSource?: 'native' | 'fetch';
  /**
   * The reconnect policy; a partial object is merged over the defaults;
   * `false` disables reconnection.
   * @default { initialDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: 'full', maxAttempts: Infinity, minUptimeMs: 5000 }
   */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Overrides the default classification of which closes are retried. */
  shouldReconnect?: (info: CloseInfo) => boolean;
  /**
   * An attempt not OPEN by then is failed.
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
   * Decodes inbound data into `In`; a throw becomes an `error` event.
   * @default identity
   */
  parse?: (data: unknown) => In;
  /**
   * Encodes outbound `Out` into something `send()` can carry.
   * @default identity
   */
  serialize?: (data: Out) => SendData;
  /**
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
  /** @default globalThis.WebSocket */
  WebSocket?: typeof WebSocket;
  /** @default globalThis.EventSource */
  EventSource?: typeof EventSource;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default globalThis.Worker */
  Worker?: typeof Worker;
}

/** Options after defaults are applied: what transports read. */
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
  WebSocket: typeof WebSocket | undefined;
  EventSource: typeof EventSource | undefined;
  fetch: typeof fetch;
  Worker: typeof Worker | undefined;
}

/** Applies the defaults, once, in one place. */
export function resolveOptions<In, Out>(o: Options<In, Out>): Resolved {
  const g = globalThis;
  const hb = o.heartbeat;
  return {
    protocols: o.protocols === undefined ? [] : typeof o.protocols === 'string' ? [o.protocols] : [...o.protocols],
    withCredentials: o.withCredentials ?? false,
    headers: o.headers,
    eventSource: o.eventSource ?? 'native',
    // maxAttempts 0: "reconnect: false" is a policy that never retries
    reconnect: o.reconnect === false ? { ...DEFAULT_RECONNECT, maxAttempts: 0 } : { ...DEFAULT_RECONNECT, ...o.reconnect },
    shouldReconnect: o.shouldReconnect,
    connectTimeoutMs: o.connectTimeoutMs ?? 10000,
    heartbeat: hb && { intervalMs: hb.intervalMs, timeoutMs: hb.timeoutMs ?? hb.intervalMs, message: hb.message ?? 'ping' },
    idleTimeoutMs: o.idleTimeoutMs,
    queue: { maxMessages: 1000, maxBytes: 1048576, overflow: 'reject', ...o.queue },
    parse: o.parse,
    serialize: o.serialize as Resolved['serialize'],
    lifecycle: { online: true, offline: true, hidden: 'keep', pageshow: true, ...o.lifecycle },
    longPoll: { timeoutMs: 45000, ...o.longPoll },
    pollIntervalMs: o.pollIntervalMs ?? 5000,
    workerUrl: o.workerUrl,
    sendUrl: o.sendUrl,
    upload: { chunkSize: 131072, highWaterMark: 1048576, ...o.upload },
    autoConnect: o.autoConnect ?? true,
    signal: o.signal,
    WebSocket: o.WebSocket ?? g.WebSocket,
    EventSource: o.EventSource ?? g.EventSource,
    // called unbound: a stored `window.fetch` would throw "Illegal invocation"
    fetch: (input, init) => (o.fetch ?? g.fetch)(input, init),
    Worker: o.Worker ?? g.Worker,
  };
}
