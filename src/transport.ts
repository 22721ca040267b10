import type { RealtimeError } from './errors.js';
import type { Resolved } from './policy/options.js';
import type { CloseInfo, SendData, TransportName } from './types.js';

/**
 * The one contract every transport implements. The client never branches on a
 * transport's name: it creates one through its factory, hands it sends, and
 * listens through the sink. Nothing in a transport knows about the queue, the
 * policy or listeners. Stale transports are harmless: each one gets a sink that
 * ignores calls once the transport is no longer current.
 */

/** How a transport reports to the client. */
export interface TransportSink {
  /** The transport reached OPEN (again, after `lost`). */
  open(): void;
  /**
   * An inbound message (`type` is `'message'` or an SSE/pushline event name).
   * `native` is the platform's own event, passed only when it is exactly this
   * message: its `type`, and its `lastEventId` equal to `lastEventId ?? ''`. Then
   * `data` and `origin` may be left undefined: the client reads them from `native`
   * only when it must build an event of its own (a `parse`, a renamed type), and
   * otherwise delivers `native` as it is. Every property read of a browser event
   * crosses into the engine, so the hot path reads none it does not need.
   */
  message(type: string, data: unknown, lastEventId?: string, origin?: string, native?: Event): void;
  /**
   * Inbound data that is not a message (an SSE comment, an empty poll, a heartbeat
   * reply): proves liveness. `lastEventId` is the stream's cursor when it moved
   * without a message (an id-only block sets the last event ID too).
   */
  activity(lastEventId?: string): void;
  /** The server proved healthy without the connection staying open long (a long-poll exchange completed). */
  proven(): void;
  /** A server reconnection hint in milliseconds (SSE `retry:`), used as a backoff floor. */
  retry(delayMs: number): void;
  /** Reliable mode: the server stored every send up to `seq`. */
  ack(seq: number): void;
  /** Reliable mode: the server could not resume from the cursor; `lastEventId` is its head, when known. */
  reset(lastEventId?: string): void;
  /** A non-fatal problem (malformed data): reported as an `error` event. */
  error(error: RealtimeError): void;
  /**
   * The connection dropped and the transport reconnects by itself (native
   * `EventSource`, which sends `Last-Event-ID`), after about `delayMs`.
   * `open` follows if that works, `close` if not.
   */
  lost(info: CloseInfo, delayMs: number): void;
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
  readonly listened: Iterable<string>;
  readonly sink: TransportSink;
  /** Reports a problem that outlives the connection (an HTTP send still being retried). */
  readonly report: (error: RealtimeError) => void;
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
  /** Like `WebSocket.binaryType`; ignored where it means nothing. */
  binaryType: BinaryType;
  /**
   * Sends one message while OPEN; `seq` is its sequence number in reliable mode.
   * Returns nothing when the data was written synchronously (WebSocket), or a
   * promise that resolves when the message left the queue (delivered, or dropped
   * and reported) and rejects only when `signal` (the client's final close) aborts it.
   */
  send(data: SendData, seq: number | undefined, signal: AbortSignal | undefined): void | Promise<void>;
  /** Sends a heartbeat; present only on transports with a channel to the server of their own (WebSocket). */
  ping?(): void;
  /** Closes (code/reason already validated). Must end with exactly one `sink.close`, unless already closed. */
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
