// Routing of one or more paths to the transports: HTTP requests (SSE,
// long-poll, POSTed sends, CORS preflights) and WebSocket upgrades (plain,
// `pushline.v1`, uploads). Every refusal is an HTTP answer, never a thrown error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { answer, refuseUpgrade, sessionOf, type Context } from './context.js';
import { RELIABLE_PROTOCOL, UPLOAD_PROTOCOL } from './frames.js';
import { validSessionId } from './inbound.js';
import { serveLongPoll } from './long-poll.js';
import { resolveUpload, type AttachOptions } from './options.js';
import { originAllowed, setCors } from './origin.js';
import { serveSend } from './sends.js';
import { serveSse } from './sse.js';
import { createUploadSink, type UploadSink, type UploadStore } from './upload-sink.js';
import { serveWebSocket } from './ws.js';

/** Serves the hub's paths inside a server you route yourself (Express, Fastify's raw server, `node:http`). */
export interface HubHandler {
  /** Answers `req` when its path is one of the hub's and returns `true`; returns `false` (untouched) otherwise. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes over a WebSocket upgrade for one of the hub's paths and returns `true`; `false` (untouched) otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** The paths served. */
  readonly paths: readonly string[];
  /** Where uploads go, when `upload` was given. */
  readonly uploads: UploadStore | undefined;
  /** Stops serving (upload partials are flushed; live connections are closed by `hub.close()`). */
  close(): Promise<void>;
}

const pathname = (req: IncomingMessage): URL | undefined => {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
};

/** The subprotocols a client offered, in order. */
const offered = (req: IncomingMessage): string[] =>
  String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** @internal */
export function createEndpoint(ctx: Context, appWss: WebSocketServer, options: AttachOptions): HubHandler {
  const paths = typeof options.path === 'string' || options.path === undefined ? [options.path ?? '/'] : [...options.path];
  for (const p of paths) if (typeof p !== 'string' || !p.startsWith('/')) throw new TypeError(`path must start with '/', got ${String(p)}`);
  const served = new Set(paths);
  let sink: UploadSink | undefined;
  let uploadWss: WebSocketServer | undefined;
  if (options.upload) {
    const upload = resolveUpload(options.upload);
    sink = createUploadSink(upload, {
      onDone: (event) => void ctx.events.emit('upload', event),
      onProgress: (event) => void ctx.events.emit('upload-progress', event),
      report: (error) => ctx.report(error, 'upload'),
    });
    uploadWss = new WebSocketServer({ noServer: true, maxPayload: upload.maxChunkBytes, handleProtocols: (p) => (p.has(UPLOAD_PROTOCOL) ? UPLOAD_PROTOCOL : false) });
  }

  const allowed = (req: IncomingMessage): boolean => originAllowed(req, ctx.options.allowedOrigins, ctx.options.trustProxy);

  /** After the Origin check: `authorize`, then the log. `0` to serve, else the status to refuse with. */
  async function admit(req: IncomingMessage): Promise<number> {
    if (ctx.closed) return 503;
    const authorize = ctx.options.authorize;
    if (authorize) {
      const verdict = await authorize(req);
      if (verdict === false) return 403;
      if (typeof verdict === 'number') return verdict >= 400 && verdict <= 599 ? verdict : 500;
    }
    await ctx.ready;
    return 0;
  }

  async function request(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    // a refused origin gets no CORS headers: its page cannot even read the answer
    if (!allowed(req)) return answer(res, 403, {}, 'origin not allowed');
    setCors(req, res);
    // preflights carry no credentials: the Origin check alone decides them
    if (method === 'OPTIONS') return answer(res, 204);
    const refusal = await admit(req);
    if (refusal) return answer(res, refusal, refusal === 503 ? { 'Retry-After': '1' } : {});
    if (method === 'GET') {
      if (url.searchParams.get('transport') === 'long-poll') return serveLongPoll(ctx, req, res, url);
      return serveSse(ctx, req, res, url);
    }
    if (method === 'POST') return serveSend(ctx, req, res, url);
    answer(res, 405, { Allow: 'GET, POST, OPTIONS' });
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (!allowed(req)) return refuseUpgrade(socket, 403);
    const refusal = await admit(req);
    if (refusal) return refuseUpgrade(socket, refusal, refusal === 503 ? { 'Retry-After': '1' } : {});
    const protocols = offered(req);
    const wantsUpload = protocols.includes(UPLOAD_PROTOCOL) && !protocols.includes(RELIABLE_PROTOCOL);
    if (socket.destroyed) return;
    if (wantsUpload) {
      if (!uploadWss || !sink) return refuseUpgrade(socket, 404);
      const uploads = sink;
      return void uploadWss.handleUpgrade(req, socket, head, (ws) => {
        const entry = { ws, alive: true, upload: true };
        ctx.sockets.add(entry);
        ws.on('pong', () => (entry.alive = true));
        ws.on('message', () => (entry.alive = true));
        ws.on('close', () => ctx.sockets.delete(entry));
        uploads.handle(ws);
      });
    }
    const reliable = protocols.includes(RELIABLE_PROTOCOL);
    const sessionId = sessionOf(url);
    if (sessionId !== undefined && !validSessionId(sessionId)) return refuseUpgrade(socket, 400);
    appWss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ctx, ws, socket, req, url, reliable));
  }

  return {
    paths,
    uploads: sink && { dir: sink.dir, pathOf: sink.pathOf },
    handleRequest(req, res) {
      const url = pathname(req);
      if (!url || !served.has(url.pathname)) return false;
      request(req, res, url).catch((error: unknown) => {
        ctx.report(error, 'request');
        answer(res, 500);
      });
      return true;
    },
    handleUpgrade(req, socket, head) {
      const url = pathname(req);
      if (!url || !served.has(url.pathname)) return false;
      socket.on('error', () => {});
      upgrade(req, socket, head, url).catch((error: unknown) => {
        ctx.report(error, 'websocket');
        refuseUpgrade(socket, 500);
      });
      return true;
    },
    async close() {
      uploadWss?.close();
      await sink?.close();
    },
  };
}
