// The hub: one log, any number of attached servers and paths, the app's events.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { Context, HubEvents, SocketEntry, StreamEntry } from './context.js';
import { createEmitter, type Listener } from './emitter.js';
import { createEndpoint, type HubHandler } from './endpoint.js';
import { createFeed } from './feed.js';
import { RELIABLE_PROTOCOL, RESET_EVENT } from './frames.js';
import { createReceiver } from './inbound.js';
import { resolveOptions, type AttachOptions, type HubOptions } from './options.js';
import type { UploadStore } from './upload-sink.js';

/** Options of `hub.publish()`. */
export interface PublishOptions {
  /** The event name: SSE `event:`, the `event` field of `pushline.v1` frames (plain WebSocket frames carry data only). */
  event?: string;
}

/** What `hub.attach()` returns. */
export interface Attachment {
  readonly paths: readonly string[];
  /** Where uploads go, when `upload` was given. */
  readonly uploads: UploadStore | undefined;
  /** Gives the server's `request` and `upgrade` listeners back as they were, and stops serving. */
  detach(): Promise<void>;
}

/** Connections this process holds right now. */
export interface HubStats {
  /** WebSockets, plain and `pushline.v1`. */
  readonly websocket: number;
  readonly sse: number;
  /** Polls being held. */
  readonly longPoll: number;
  /** Upload sockets. */
  readonly upload: number;
}

/** The server side of every pushline transport over one event log. */
export interface Hub {
  /**
   * Serves `path` on `server`: WebSocket (plain and `pushline.v1`), SSE,
   * long-poll, POSTed sends and, with `upload`, chunked uploads. The server's
   * `request` and `upgrade` listeners registered so far (the one given to
   * `createServer` included) keep every other path; register yours before
   * attaching, or route yourself with {@link Hub.handler}.
   */
  attach(server: Server, options?: AttachOptions): Attachment;
  /** The same serving as `attach`, for a server you route yourself. */
  handler(options?: AttachOptions): HubHandler;
  /** Appends an event to the log; every client on every process gets it. Resolves with its id. */
  publish(data: string | Uint8Array, options?: PublishOptions): Promise<string>;
  /** Subscribes to a hub event; returns the unsubscribe function. */
  on<K extends keyof HubEvents>(type: K, listener: Listener<HubEvents[K]>): () => void;
  /** Connections held now. */
  stats(): HubStats;
  /**
   * Stops: new requests get 503, WebSockets are closed with 1001, SSE streams
   * end, held polls get 204, partial uploads are flushed, the log is closed.
   */
  close(): Promise<void>;
}

const EVENT_NAME = /^[^\r\n\0]{1,256}$/;

/** Creates a hub. See the server docs for the wire formats, the id format and scale-out. */
export function createHub(options: HubOptions = {}): Hub {
  const resolved = resolveOptions(options);
  const { log } = resolved;
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  let closed = false;
  const streams = new Set<StreamEntry>();
  const sockets = new Set<SocketEntry>();
  const polls = new Set<(status: number) => void>();
  const endpoints = new Set<HubHandler>();

  const report = (error: unknown, context: string): void => {
    // an error listener that throws must not loop back here
    if (!events.has('error')) return;
    void events.emit('error', { error, context });
  };
  const events = createEmitter<HubEvents>((error, type) => {
    if (type !== 'error') report(error, 'listener');
  });
  const ready = log.open((error) => report(error, 'log')).catch((error: unknown) => report(error, 'log'));

  const feed = createFeed({
    log,
    maxBatch: resolved.maxBatch,
    maxBuffered: resolved.maxBatch * 20,
    onEntry: (entry) => void events.emit('publish', { id: entry.id, event: entry.event, data: entry.data }),
    onError: (error) => report(error, 'listener'),
  });
  const ctx: Context = {
    options: resolved,
    feed,
    events,
    receive: createReceiver(log.sessions, (message) => events.emit('message', message)),
    report,
    nextId: () => `${prefix}-${(++counter).toString(36)}`,
    streams,
    sockets,
    polls,
    ready,
    get closed() {
      return closed;
    },
  };
  // one server for every path: the selected subprotocol decides plain or reliable
  const appWss = new WebSocketServer({
    noServer: true,
    // no compression: frames are encoded once for every connection (and deflate costs memory per socket)
    perMessageDeflate: false,
    maxPayload: resolved.maxMessageBytes,
    handleProtocols: (protocols) => (protocols.has(RELIABLE_PROTOCOL) ? RELIABLE_PROTOCOL : false),
  });

  // one timer per duty for every connection, instead of one per connection
  const keepAlive = setInterval(() => {
    for (const s of streams) {
      if (!s.written && !s.res.destroyed) s.res.write(':\n\n');
      s.written = false;
    }
  }, resolved.keepAliveMs);
  keepAlive.unref();
  const pinger =
    resolved.pingIntervalMs > 0
      ? setInterval(() => {
          for (const s of sockets) {
            if (!s.alive) {
              s.ws.terminate();
              continue;
            }
            s.alive = false;
            s.ws.ping();
          }
        }, resolved.pingIntervalMs)
      : undefined;
  pinger?.unref();

  function handler(attachOptions: AttachOptions = {}): HubHandler {
    const endpoint = createEndpoint(ctx, appWss, attachOptions);
    endpoints.add(endpoint);
    return endpoint;
  }

  return {
    handler,

    attach(server, attachOptions = {}) {
      const endpoint = handler(attachOptions);
      type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
      type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
      const previousRequest = server.listeners('request') as RequestListener[];
      const previousUpgrade = server.listeners('upgrade') as UpgradeListener[];
      const onRequest: RequestListener = (req, res) => {
        if (endpoint.handleRequest(req, res)) return;
        if (previousRequest.length === 0 && server.listenerCount('request') === 1) return void res.writeHead(404).end();
        for (const l of previousRequest) l.call(server, req, res);
      };
      const onUpgrade: UpgradeListener = (req, socket, head) => {
        if (endpoint.handleUpgrade(req, socket, head)) return;
        // nobody else would answer: a socket left alone would hang until its peer gives up
        if (previousUpgrade.length === 0 && server.listenerCount('upgrade') === 1) return void socket.destroy();
        for (const l of previousUpgrade) l.call(server, req, socket, head);
      };
      server.removeAllListeners('request');
      server.removeAllListeners('upgrade');
      server.on('request', onRequest);
      server.on('upgrade', onUpgrade);
      return {
        paths: endpoint.paths,
        uploads: endpoint.uploads,
        async detach() {
          server.off('request', onRequest);
          server.off('upgrade', onUpgrade);
          for (const l of previousRequest) server.on('request', l);
          for (const l of previousUpgrade) server.on('upgrade', l);
          endpoints.delete(endpoint);
          await endpoint.close();
        },
      };
    },

    async publish(data, publishOptions = {}) {
      if (closed) throw new Error('hub is closed');
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('publish: data must be a string or a Uint8Array');
      let event = publishOptions.event;
      if (event !== undefined) {
        if (typeof event !== 'string' || !EVENT_NAME.test(event)) throw new TypeError('publish: event must be 1-256 characters without line breaks or NUL');
        if (event === RESET_EVENT) throw new TypeError(`publish: '${RESET_EVENT}' is reserved for the reset signal`);
        // 'message' is what a nameless event is dispatched as anyway
        if (event === 'message') event = undefined;
      }
      await ready;
      // a copy: the caller may reuse its buffer, and the log replays these bytes later
      return log.append(event, typeof data === 'string' ? data : Buffer.from(data));
    },

    on: (type, listener) => events.on(type, listener),

    stats() {
      let upload = 0;
      for (const s of sockets) if (s.upload) upload++;
      return { websocket: sockets.size - upload, sse: streams.size, longPoll: polls.size, upload };
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      clearInterval(pinger);
      feed.stop();
      for (const s of sockets) s.ws.close(1001, 'server shutting down');
      for (const s of streams) s.res.end();
      for (const finish of [...polls]) finish(204);
      await Promise.all([...endpoints].map((e) => e.close()));
      appWss.close();
      await ready;
      await log.close();
      // sockets that do not answer the close in time are cut
      setTimeout(() => {
        for (const s of sockets) s.ws.terminate();
      }, 2000).unref();
    },
  };
}
