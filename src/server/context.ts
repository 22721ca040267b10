// What every transport handler shares: the resolved options, the feed, the
// inbound pipeline, the hub's events, and the registries the hub's timers walk.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { WebSocket } from 'ws';
import type { Emitter } from './emitter.js';
import type { Feed } from './feed.js';
import type { MessageEvent } from './inbound.js';
import type { ResolvedOptions } from './options.js';

/** Which kind of connection a client holds. */
export type ConnectionTransport = 'websocket' | 'sse';

/** What `hub.on('connection')` listeners get: a WebSocket or SSE stream opened. */
export interface ConnectionEvent {
  readonly connectionId: string;
  readonly sessionId: string | undefined;
  readonly transport: ConnectionTransport;
  /** `'pushline.v1'` for the reliable WebSocket protocol, `''` otherwise. */
  readonly protocol: string;
  readonly req: IncomingMessage;
}

/** What `hub.on('disconnect')` listeners get. */
export interface DisconnectEvent {
  readonly connectionId: string;
  readonly sessionId: string | undefined;
  readonly transport: ConnectionTransport;
  /** The WebSocket close code (1001: the page went away); `undefined` for SSE. */
  readonly code: number | undefined;
}

/** What `hub.on('publish')` listeners get: every entry of the log as it reaches this process, from any process. */
export interface PublishEvent {
  readonly id: string;
  readonly event: string | undefined;
  readonly data: string | Uint8Array;
}

/** What `hub.on('upload')` listeners get: a finished upload. */
export interface UploadEvent {
  readonly id: string;
  /** The client-given name, cleaned of control characters (metadata only: never a path). */
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
  /** Where the file is stored. */
  readonly path: string;
}

/** What `hub.on('upload-progress')` listeners get, once per stored chunk. */
export interface UploadProgressEvent {
  readonly id: string;
  /** Bytes held for this upload. */
  readonly offset: number;
  readonly size: number;
  /** Bytes of this chunk (re-sent bytes after a resume count again). */
  readonly bytes: number;
}

/** What `hub.on('error')` listeners get: problems that did not stop the hub. */
export interface HubErrorEvent {
  readonly error: unknown;
  /** Where it happened: `'listener'`, `'log'`, `'request'`, `'websocket'`, `'upload'`. */
  readonly context: string;
}

/** The hub's events and their payloads. */
export interface HubEvents {
  /**
   * A client send; each (sessionId, seq) exactly once. A returned promise
   * delays the acknowledgement until it settles. A listener that throws or
   * rejects gets the send again: it is not acknowledged (500 on POST, the
   * WebSocket closed with 1011) and the client retransmits it.
   */
  message: MessageEvent;
  connection: ConnectionEvent;
  disconnect: DisconnectEvent;
  publish: PublishEvent;
  upload: UploadEvent;
  'upload-progress': UploadProgressEvent;
  error: HubErrorEvent;
}

/** An SSE stream, for the keep-alive timer. */
export interface StreamEntry {
  readonly res: ServerResponse;
  /** Written to since the last keep-alive tick. */
  written: boolean;
}

/** A WebSocket, for the ping timer. */
export interface SocketEntry {
  readonly ws: WebSocket;
  /** An upload socket (counted apart). */
  readonly upload: boolean;
  /** Heard from since the last ping. */
  alive: boolean;
}

/** @internal */
export interface Context {
  readonly options: ResolvedOptions;
  readonly feed: Feed;
  readonly events: Emitter<HubEvents>;
  readonly receive: (message: MessageEvent) => Promise<number | undefined>;
  readonly report: (error: unknown, context: string) => void;
  readonly nextId: () => string;
  readonly streams: Set<StreamEntry>;
  readonly sockets: Set<SocketEntry>;
  /** Held long-polls, each with the function that answers it. */
  readonly polls: Set<(status: number) => void>;
  /** Resolves once the log is open (requests wait for it). */
  readonly ready: Promise<void>;
  readonly closed: boolean;
}

/**
 * The cursor of a request: the `Last-Event-ID` header first, the `lastEventId`
 * query parameter second. Where both come, the header is never older: a native
 * EventSource reconnecting by itself sends its newest id in the header, on the URL
 * that still carries the cursor it was opened with (fetch-based clients send the
 * two equal). A header with a non-ASCII id arrives as its UTF-8 bytes.
 */
export function cursorOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return Buffer.from(header, 'latin1').toString('utf8');
  return url.searchParams.get('lastEventId') || undefined;
}

/** The `sessionId` query parameter, or `undefined`. */
export const sessionOf = (url: URL): string | undefined => url.searchParams.get('sessionId') || undefined;

/** Ends a request with a short plain-text answer (CORS headers, when set, stay). */
export function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}, body = STATUS_CODES[status] ?? ''): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(status === 204 || status === 304 ? undefined : body);
}

/** Refuses a WebSocket upgrade with an HTTP status, then lets go of the socket. */
export function refuseUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = STATUS_CODES[status] ?? '';
  const lines = [`HTTP/1.1 ${status} ${body}`, 'Connection: close', 'Content-Type: text/plain', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // a peer that never closes its side must not keep the socket around
  setTimeout(() => socket.destroy(), 1000).unref();
}


/** What {@link writable} needs of a response or a socket. */
interface Outgoing {
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Resolves once `out` holds at most `limit` bytes not yet handed to the kernel
 * (at once: `undefined`). A refused write is waited for with 'drain'; writes
 * merely held back (an HTTP response corks its socket until the next tick) get
 * a turn of the event loop to go out.
 */
export function writable(out: Outgoing, limit: number): Promise<void> | undefined {
  if (out.destroyed || out.writableLength <= limit) return undefined;
  return (async () => {
    while (!out.destroyed && out.writableLength > limit) {
      if (out.writableNeedDrain) {
        await new Promise<void>((resolve) => {
          out.once('drain', resolve);
          out.once('close', resolve);
        });
      } else await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
}
