/**
 * The typed errors pushline reports through `error` events and rejected promises.
 * Every error has a stable `name` (minification-proof) and a `type` discriminant,
 * and keeps the underlying failure in `cause`.
 */
import type { SendData } from './types.js';

/** Every value of `RealtimeError.type`. */
export type RealtimeErrorType =
  | 'network'
  | 'url'
  | 'unavailable'
  | 'closed'
  | 'connect-timeout'
  | 'http-status'
  | 'protocol'
  | 'queue-full'
  | 'heartbeat-timeout'
  | 'upload'
  | 'worker-unavailable';

/** Base class of every error pushline reports. Narrow on `type` or with `instanceof`. */
export class RealtimeError extends Error {
  /** Stable discriminant, e.g. `'http-status'`. */
  readonly type: RealtimeErrorType;
  constructor(type: RealtimeErrorType, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.type = type;
    this.name = 'RealtimeError';
  }
}

/** A connection attempt did not reach OPEN within `connectTimeoutMs`. */
export class ConnectTimeoutError extends RealtimeError {
  constructor(timeoutMs: number) {
    super('connect-timeout', `not open after ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** An HTTP answer with a status pushline cannot use. */
export class HttpStatusError extends RealtimeError {
  /** The HTTP status code. */
  readonly status: number;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** For a send the server refused (a 4xx that is not retried): the message, removed from the queue. */
  readonly data: SendData | undefined;
  constructor(status: number, retryAfterMs?: number, data?: SendData) {
    super('http-status', `HTTP ${status}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.data = data;
  }
}

/** The server sent something malformed, or `parse` rejected a message (`cause` is what it threw). */
export class ProtocolError extends RealtimeError {
  constructor(message: string, cause?: unknown) {
    super('protocol', message, cause);
    this.name = 'ProtocolError';
  }
}

/** `send()` was refused because the queue is at `maxMessages` or `maxBytes`. */
export class QueueFullError extends RealtimeError {
  constructor() {
    super('queue-full', 'send queue is full');
    this.name = 'QueueFullError';
  }
}

/** Nothing arrived within the heartbeat or idle window: the connection is presumed dead. */
export class HeartbeatTimeoutError extends RealtimeError {
  constructor(silentMs: number) {
    super('heartbeat-timeout', `no data for ${silentMs} ms`);
    this.name = 'HeartbeatTimeoutError';
  }
}

/** A chunked upload failed; `offset` is the number of bytes the server acknowledged. */
export class UploadError extends RealtimeError {
  /** Bytes the server had acknowledged when the upload failed. */
  readonly offset: number;
  constructor(message: string, offset: number, cause?: unknown) {
    super('upload', message, cause);
    this.name = 'UploadError';
    this.offset = offset;
  }
}

/** No Worker could start: worker-poll runs on the main thread instead (not fatal). */
export class WorkerUnavailableError extends RealtimeError {
  constructor(cause?: unknown) {
    super('worker-unavailable', 'no Worker could start; polling on the main thread', cause);
    this.name = 'WorkerUnavailableError';
  }
}

/** `cause` itself when it is a `RealtimeError`, else wrapped as a `network` one (error events carry typed errors only). */
export const typed = (cause: unknown): RealtimeError =>
  cause instanceof RealtimeError ? cause : new RealtimeError('network', String((cause as Error)?.message ?? cause), cause);

/** A `DOMException` of the given name, exactly what a browser would throw. */
export const domError = (name: string, message: string): DOMException => new DOMException(message, name);
