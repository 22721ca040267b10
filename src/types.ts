/** What `send()` accepts, as `WebSocket.send()` does. */
export type SendData = string | ArrayBuffer | ArrayBufferView | Blob;

/** The transports pushline knows. */
export type TransportName = 'websocket' | 'sse' | 'long-poll' | 'worker-poll';

/** The client's lifecycle, finer than `readyState`. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** `readyState` on the WebSocket constants: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
export type ReadyState = 0 | 1 | 2 | 3;

/** What ended a connection; the input of `shouldReconnect`. */
export interface CloseInfo {
  /** WebSocket close code; 1006 for a network failure or an HTTP answer that ended the connection. */
  readonly code: number;
  /** Close reason text. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** The HTTP status, when an HTTP answer ended the connection. */
  readonly status?: number;
  /** The server's `Retry-After`, in milliseconds. */
  readonly retryAfterMs?: number;
  /** The typed error behind the close, if any. */
  readonly error?: Error;
  /** True when the user's `close()` or the `signal` ended it. */
  readonly byUser?: boolean;
}

/** What a `url` function receives before every connection attempt. */
export interface ConnectContext<Name extends TransportName = TransportName> {
  /** The transport about to connect. */
  readonly transport: Name;
  /** 0 for the first attempt, then 1, 2, ... until a connection stays up for `minUptimeMs`. */
  readonly attempt: number;
  /** The newest event id seen, `''` if none. */
  readonly lastEventId: string;
}

/** A URL, or a function computing one before every attempt (fresh tokens, resume cursors). */
export type UrlInput<Name extends TransportName = TransportName> =
  | string
  | URL
  | ((ctx: ConnectContext<Name>) => string | URL | Promise<string | URL>);

/** Extra request headers for the fetch-based transports, computed per request when a function. */
export type HeadersInput =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);
