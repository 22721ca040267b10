import type { RealtimeError } from './errors.js';
import type { Resolved } from './policy/options.js';
import type { CloseInfo, SendData, TransportName } from './types.js';

/**
 * The one contract every transport implements. The client never branches on a
 * transport's name: it creates one through its factory, feeds it sends, and
 * listens through the sink. Stale transports are harmless: the client hands
 * each one a sink that ignores calls once the transport is no longer current.
 */

/** How a transport reports to the client. Calls after `close` are ignored. */
export interface TransportSink {
  /** The transport reached OPEN. */
  open(): void;
  /** An inbound message (`type` is `'message'` or an SSE event name). */
  message(type: string, data: unknown, lastEventId?: string, origin?: string): void;
  /**
   * Inbound data that is not a message (an SSE comment, an empty poll): proves liveness.
   * `lastEventId` is the stream's cursor when it moved without a message (an id-only
   * block sets the last event ID too, per the WHATWG event stream rules).
   */
  activity(lastEventId?: string): void;
  /** A server reconnection hint in milliseconds (SSE `retry:`), used as a backoff floor. */
  retry(delayMs: number): void;
  /** A non-fatal problem (malformed data): reported as an `error` event. */
  error(error: RealtimeError): void;
  /** The transport ended (exactly once); the client decides whether to reconnect. */
  close(info: CloseInfo): void;
}

/** What a factory receives to start one connection. */
export interface TransportContext {
  /** Absolute URL with the factory's scheme (`ws:`/`wss:` or `http:`/`https:`), resume cursor not yet added. */
  readonly url: string;
  /** The newest event id seen, `''` if none. */
  readonly lastEventId: string;
  /** Resolved options, with this transport's entry overrides applied. */
  readonly options: Resolved;
  /** Names of SSE event types the app listens to (besides `message`). */
  readonly listened: ReadonlySet<string>;
  readonly sink: TransportSink;
}

/** A live connection over one transport. */
export interface Transport {
  /** Own state on the WebSocket constants (0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED). */
  readonly readyState: number;
  /** Bytes accepted but not yet written by the transport. */
  readonly bufferedAmount: number;
  /** Negotiated subprotocol, `''` if none. */
  readonly protocol: string;
  /** Negotiated extensions, `''` if none. */
  readonly extensions: string;
  /** Whether `send` carries data inline (WebSocket) rather than as a separate request: heartbeats need it. */
  readonly duplex: boolean;
  /** Like `WebSocket.binaryType`; ignored where it means nothing. */
  binaryType: BinaryType;
  /**
   * Sends one message while OPEN. Returns nothing when the data was handed
   * over synchronously, or a promise that settles when the server accepted it
   * (HTTP sends); a rejected promise leaves the message queued for a retry.
   */
  send(data: SendData): void | Promise<void>;
  /** Closes (code/reason already validated). Must end with exactly one `sink.close`. */
  close(code?: number, reason?: string): void;
  /** Starts delivering SSE events of this type (native `EventSource` needs each name registered). */
  listen?(type: string): void;
}

/** Creates transports of one kind; imported from its own file so unused ones tree-shake away. */
export interface TransportFactory {
  readonly name: TransportName;
  /** The URL scheme family the transport speaks. */
  readonly scheme: 'ws' | 'http';
  create(ctx: TransportContext): Transport;
}

/** Adds `lastEventId=<id>` to a URL when an id is known (SPEC §4: no preflight needed). */
export function withResumeCursor(url: string, lastEventId: string, extra?: Record<string, string>): string {
  const u = new URL(url);
  for (const [key, value] of Object.entries(extra ?? {})) u.searchParams.set(key, value);
  if (lastEventId) u.searchParams.set('lastEventId', lastEventId);
  return u.href;
}
