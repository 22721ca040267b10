/**
 * The typed errors pushline reports through `error` events and rejected promises.
 * Every error has a stable `name` (minification-proof) and a string `type`
 * discriminant, and keeps the underlying failure in `cause`.
 */

/** Base class of every error pushline reports. Narrow on `type` or `instanceof`. */
export class RealtimeError extends Error {
  /** Stable discriminant, e.g. `'http-status'`. */
  readonly type: string;
  constructor(type: string, message: string, cause?: unknown) {
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
  constructor(status: number, retryAfterMs?: number, message = `HTTP ${status}`) {
    super('http-status', message);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The server sent something malformed, or `parse` rejected a message. */
export class ProtocolError extends RealtimeError {
  constructor(message: string, cause?: unknown) {
    super('protocol', message, cause);
    this.name = 'ProtocolError';
  }
}

/** `send()` was refused because the queue is at `maxMessages` or `maxBytes`. */
export class QueueFullError extends RealtimeError {
  constructor(message = 'send queue is full') {
    super('queue-full', message);
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

/** `cause` itself when it is a `RealtimeError`, else wrapped in one of `type` (error events carry typed errors only). */
export const typed = (cause: unknown, type: string, message: string): RealtimeError =>
  cause instanceof RealtimeError ? cause : new RealtimeError(type, message, cause);

/** A `DOMException` of the given name, exactly what a browser would throw. */
export const domError = (name: string, message: string): DOMException => new DOMException(message, name);
