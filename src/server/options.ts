// Public options with their defaults, and the one function that resolves them.
import type { IncomingMessage } from 'node:http';
import type { EventLog } from './log.js';
import { memoryLog } from './logs/memory.js';

/**
 * Which cross-origin pages may connect. A request from the server's own origin
 * (or without an `Origin` header: not from a browser page) is always allowed.
 * - `'same-origin'`: nothing else;
 * - `'*'`: any origin (with credentials: the Origin is echoed, never `*`);
 * - a list of origins (`'https://app.example'`);
 * - a function deciding per request.
 */
export type OriginPolicy = 'same-origin' | '*' | readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

/**
 * Decides whether a request or WebSocket upgrade may be served, after the
 * Origin check: `true` serves it, `false` answers 403, a number answers that
 * HTTP status (401, 429, 503...).
 */
export type Authorize = (req: IncomingMessage) => boolean | number | Promise<boolean | number>;

/** Options of `createHub()`. */
export interface HubOptions {
  /** Where events are kept for resuming, and the per-session dedupe state. @default memoryLog() */
  log?: EventLog;
  /** Cross-origin pages allowed to connect (CORS and the WebSocket Origin check). @default 'same-origin' */
  allowedOrigins?: OriginPolicy;
  /** Authentication hook for every request and upgrade. @default every request is served */
  authorize?: Authorize;
  /**
   * Trust `X-Forwarded-Proto` and `X-Forwarded-Host` from a reverse proxy when
   * deciding what the server's own origin is.
   * @default false
   */
  trustProxy?: boolean;
  /** Largest client message: a WebSocket frame (closed with 1009 above it) or a POST body (413). @default 1048576 (1 MiB) */
  maxMessageBytes?: number;
  /**
   * Outbound bytes a connection may have queued (a slow or stalled client). Past
   * it the connection is dropped; the client reconnects and resumes from its cursor.
   * @default 4194304 (4 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * The SSE `retry:` field, drawn per connection uniformly from `[min, max]`.
   * Browsers reconnect an `EventSource` after exactly this long, with no jitter of
   * their own: a range spreads thousands of them out after a server restart.
   * A single number sends that value to everyone.
   * @default [1000, 5000]
   */
  retryMs?: number | readonly [minMs: number, maxMs: number];
  /** Period of SSE keep-alive comments on idle streams (proxies cut silent connections). @default 15000 */
  keepAliveMs?: number;
  /**
   * Period of WebSocket ping frames; a connection that has not answered the
   * previous ping is terminated (half-open detection). `0` turns them off.
   * @default 30000
   */
  pingIntervalMs?: number;
  /** How long a long-poll is held without events before a `204`. Keep it under the client's `longPoll.timeoutMs`. @default 25000 */
  holdMs?: number;
  /** Most events per long-poll answer and per replay page. @default 500 */
  maxBatch?: number;
}

/** Options of one upload sink (`attach(server, { upload })`). */
export interface UploadOptions {
  /** Directory for uploads (created if missing). Files are named by a hash of the upload id, never by a client-given name. */
  dir: string;
  /** Largest upload accepted, in bytes. @default 1073741824 (1 GiB) */
  maxBytes?: number;
  /** Largest binary frame (chunk) accepted; the client's `chunkSize` must not exceed it. @default 1048576 (1 MiB) */
  maxChunkBytes?: number;
  /** How long an incomplete upload is kept for resuming after its last byte. @default 86400000 (24 h) */
  partialTtlMs?: number;
  /** An `ack` is sent at least every this many stored bytes (and whenever the disk catches up). @default 262144 */
  ackEveryBytes?: number;
}

/** Options of `hub.attach()` and `hub.handler()`. */
export interface AttachOptions {
  /** The URL path (or paths) served; every transport shares it. Matched exactly, query ignored. @default '/' */
  path?: string | readonly string[];
  /** Accept chunked uploads (WebSocket subprotocol `pushline-upload.v1`) on this path. @default off */
  upload?: UploadOptions;
}

/** @internal */
export interface ResolvedOptions {
  readonly log: EventLog;
  readonly allowedOrigins: OriginPolicy;
  readonly authorize: Authorize | undefined;
  readonly trustProxy: boolean;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly retryMs: readonly [number, number];
  readonly keepAliveMs: number;
  readonly pingIntervalMs: number;
  readonly holdMs: number;
  readonly maxBatch: number;
}

/** @internal */
export interface ResolvedUpload {
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxChunkBytes: number;
  readonly partialTtlMs: number;
  readonly ackEveryBytes: number;
}

function count(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** @internal */
export function resolveOptions(options: HubOptions): ResolvedOptions {
  const retry = options.retryMs ?? [1000, 5000];
  const [minMs, maxMs] = typeof retry === 'number' ? [retry, retry] : retry;
  count('retryMs', minMs, 0, 0);
  count('retryMs', maxMs, 0, 0);
  if (maxMs < minMs) throw new RangeError(`retryMs: the maximum (${maxMs}) is below the minimum (${minMs})`);
  const origins = options.allowedOrigins ?? 'same-origin';
  if (typeof origins !== 'function' && origins !== 'same-origin' && origins !== '*' && !Array.isArray(origins)) {
    throw new TypeError(`allowedOrigins must be 'same-origin', '*', a list of origins or a function`);
  }
  return {
    log: options.log ?? memoryLog(),
    allowedOrigins: Array.isArray(origins) ? origins.map(normalizeOrigin) : origins,
    authorize: options.authorize,
    trustProxy: options.trustProxy ?? false,
    maxMessageBytes: count('maxMessageBytes', options.maxMessageBytes, 1_048_576),
    maxBufferedBytes: count('maxBufferedBytes', options.maxBufferedBytes, 4_194_304),
    retryMs: [minMs, maxMs],
    keepAliveMs: count('keepAliveMs', options.keepAliveMs, 15_000),
    pingIntervalMs: count('pingIntervalMs', options.pingIntervalMs, 30_000, 0),
    holdMs: count('holdMs', options.holdMs, 25_000),
    maxBatch: count('maxBatch', options.maxBatch, 500),
  };
}

/** @internal */
export function resolveUpload(upload: UploadOptions): ResolvedUpload {
  if (typeof upload?.dir !== 'string' || upload.dir === '') throw new TypeError('upload.dir must be a directory path');
  return {
    dir: upload.dir,
    maxBytes: count('upload.maxBytes', upload.maxBytes, 2 ** 30, 0),
    maxChunkBytes: count('upload.maxChunkBytes', upload.maxChunkBytes, 1_048_576),
    partialTtlMs: count('upload.partialTtlMs', upload.partialTtlMs, 86_400_000),
    ackEveryBytes: count('upload.ackEveryBytes', upload.ackEveryBytes, 262_144),
  };
}

/** `'https://App.example:443/'` → `'https://app.example'`; `'null'` stays. */
function normalizeOrigin(origin: string): string {
  if (origin === 'null') return origin;
  try {
    return new URL(origin).origin;
  } catch {
    throw new TypeError(`allowedOrigins: not an origin: ${origin}`);
  }
}
