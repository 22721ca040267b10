#!/usr/bin/env node
// The demo server: one Node process (node:http + ws, no framework) that speaks
// every wire convention of docs/PROTOCOL.md, composed from the reference modules
// in demo/server/ (event hub, status document, upload sink), plus a chat room
// reachable over every transport and chaos controls that break connections on
// demand.
//
//   node demo/server.mjs                       # http://127.0.0.1:8080/ (PORT, HOST to change)
//   const demo = await startDemoServer({ port: 0 });   // in-process, for tests
//
// Routes
//   GET  /, /umd.html, /*.js, /*.css   the demo pages (demo/), /dist/* the built package
//   WS   /chat                         chat room: JSON messages, `ping` -> `pong`
//   WS   /upload                       chunked upload, subprotocol pushline-upload.v1
//   GET  /events                       SSE (`event: chat`, `event: stats`, ids, `retry:`)
//   GET  /events?transport=long-poll   long-poll, same events
//   POST /events                       HTTP sends: chat messages from the HTTP transports
//   GET  /status                       worker-poll: server stats with ETag/Last-Modified, 304
//   GET  /chat/log                     worker-poll: the latest chat messages, same validators
//   GET  /chaos                        chaos state; POST /chaos/{drop,refuse,freeze,thaw,block-websocket,reset}
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { createChaos, parseSeconds } from './chaos.mjs';
import { createChatRoom } from './chat-room.mjs';
import { cors, createEventHub } from './server/events.mjs';
import { createStatus } from './server/status.mjs';
import { createUploadSink } from './server/upload-sink.mjs';
import { DIST, serveStatic } from './static.mjs';

const COOKIE = 'pushline_demo';
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);
/** Requests remembered for tests and debugging. */
const MAX_REQUESTS = 500;

/**
 * Starts the demo server.
 * @param {import('./server.d.mts').DemoServerOptions} [options]
 * @returns {Promise<import('./server.d.mts').DemoServer>}
 */
export async function startDemoServer(options = {}) {
  const {
    port = 8080,
    host = '127.0.0.1',
    uploadDir,
    maxUploadBytes,
    tickMs = 2000,
    retryMs = 1000,
    holdMs = 25000,
    keepAliveMs = 15000,
    allowedOrigins = [],
  } = options;
  const startedAt = Date.now();
  const events = new EventEmitter();
  /** @type {import('./server.d.mts').RequestRecord[]} */
  const requests = [];
  const uploads = { completed: 0, bytes: 0, received: 0 };
  const counts = { sse: 0, longPoll: 0 };
  let tick = 0;

  const chaos = createChaos({ onChange: () => events.emit('chaos', chaos.state()) });
  const hub = createEventHub({
    path: '/events',
    retryMs,
    holdMs,
    keepAliveMs,
    maxEvents: 2000,
    onMessage: (message) => {
      chat.receive(message.data);
      // the hub keeps every POST for tests; a long-running demo must not
      if (hub.received.length > 100) hub.received.splice(0, hub.received.length - 100);
    },
  });
  const status = createStatus({ path: '/status', body: '{}' });
  const chatDoc = createStatus({ path: '/chat/log', body: '{}' });
  const chat = createChatRoom({ hub, doc: chatDoc, onMessage: (m) => events.emit('chat', m) });
  const sink = createUploadSink({ ...(uploadDir ? { dir: uploadDir } : {}), ...(maxUploadBytes ? { maxBytes: maxUploadBytes } : {}) });
  const chatWss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const uploadWss = new WebSocketServer({ noServer: true, handleProtocols: sink.handleProtocols });
  const server = createServer((req, res) => void route(req, res).catch((error) => fail(res, error)));
  chaos.track(server);

  // --- who may talk to us ------------------------------------------------------
  let actualPort = port;
  const openToAll = WILDCARD.has(host);
  const hosts = () => new Set([...LOOPBACK, host].map((h) => `${h}:${actualPort}`));
  const extraOrigins = new Set(allowedOrigins.map((o) => new URL(o).origin));
  // a Host we do not answer to is a DNS-rebinding attempt (or a misconfiguration)
  const hostAllowed = (req) => openToAll || hosts().has(String(req.headers.host ?? '').toLowerCase());
  // same origin, or one the operator listed; a request without Origin is not from a foreign page
  const originAllowed = (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (extraOrigins.has(origin)) return true;
    return openToAll ? origin === `http://${req.headers.host}` : [...hosts()].some((h) => origin === `http://${h}`);
  };

  function record(req, path, res) {
    const entry = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path,
      query: new URL(req.url ?? '/', 'http://x').search,
      origin: req.headers.origin,
      cookie: (req.headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith(`${COOKIE}=`)),
      upgrade: !res,
      status: 0,
    };
    // an SSE stream never finishes: its status is known once its headers are out
    if (res) Object.defineProperty(entry, 'status', { enumerable: true, get: () => (res.headersSent ? res.statusCode : 0) });
    requests.push(entry);
    if (requests.length > MAX_REQUESTS) requests.splice(0, requests.length - MAX_REQUESTS);
    return entry;
  }

  // --- HTTP --------------------------------------------------------------------
  async function route(req, res) {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    record(req, path, res);
    if (!hostAllowed(req)) return text(res, 421, 'unknown host');
    if (!originAllowed(req)) return text(res, 403, 'origin not allowed');
    if (path === '/chaos' || path.startsWith('/chaos/')) return chaosRoute(req, res, path, url);
    if (path === '/events' || path === '/status' || path === '/chat/log') return transportRoute(req, res, path, url);
    const page = req.headers.cookie?.includes(`${COOKIE}=`)
      ? {}
      : { 'set-cookie': `${COOKIE}=${randomBytes(12).toString('hex')}; Path=/; SameSite=Lax; HttpOnly` };
    if (await serveStatic(req, res, page)) return;
    text(res, 404, 'not found');
  }

  function transportRoute(req, res, path, url) {
    cors(req, res);
    // the documents are read-only here: their own POST would let anyone replace them
    if (req.method === 'POST' && path !== '/events') return text(res, 405, 'read-only', { allow: 'GET, HEAD, OPTIONS' });
    if (req.method !== 'OPTIONS') {
      if (chaos.refusing) {
        return text(res, 503, 'refusing service (chaos)', { 'retry-after': String(chaos.retryAfterSeconds), 'cache-control': 'no-store' });
      }
      chaos.live(req.socket, res);
      if (path === '/events' && req.method === 'GET') {
        const kind = url.searchParams.get('transport') === 'long-poll' ? 'longPoll' : 'sse';
        counts[kind]++;
        res.on('close', () => counts[kind]--);
      }
    }
    hub.handle(req, res) || status.handle(req, res) || chatDoc.handle(req, res);
  }

  function chaosRoute(req, res, path, url) {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type' }).end();
      return;
    }
    const action = path.slice('/chaos/'.length);
    if (path === '/chaos') {
      if (req.method !== 'GET') return text(res, 405, 'GET only', { allow: 'GET' });
      return json(res, 200, chaos.state());
    }
    if (req.method !== 'POST') return text(res, 405, 'POST only', { allow: 'POST' });
    const seconds = parseSeconds(url.searchParams.get('seconds'), 5);
    switch (action) {
      case 'drop':
        // answered on its own socket, which the drop spares
        return json(res, 200, { dropped: chaos.drop(req.socket), ...chaos.state() });
      case 'refuse':
        if (seconds === undefined) return text(res, 400, 'seconds must be in (0, 300]');
        return json(res, 200, { dropped: chaos.refuse(seconds, req.socket), ...chaos.state() });
      case 'freeze':
        if (seconds === undefined) return text(res, 400, 'seconds must be in (0, 300]');
        chaos.freeze(seconds);
        return json(res, 200, chaos.state());
      case 'thaw':
        chaos.thaw();
        return json(res, 200, chaos.state());
      case 'block-websocket':
        chaos.blockWebSocket(url.searchParams.get('on') !== '0');
        return json(res, 200, chaos.state());
      case 'reset':
        chaos.reset();
        return json(res, 200, chaos.state());
      default:
        return text(res, 404, 'no such chaos');
    }
  }

  // --- WebSocket ---------------------------------------------------------------
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const entry = record(req, path);
    socket.on('error', () => {});
    const refuse = (code, reason, headers = {}) => {
      entry.status = code;
      const lines = [`HTTP/1.1 ${code} ${reason}`, 'Connection: close', 'Content-Type: text/plain', `Content-Length: ${Buffer.byteLength(reason)}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.end(`${lines.join('\r\n')}\r\n\r\n${reason}`);
    };
    if (!hostAllowed(req)) return refuse(421, 'Misdirected Request');
    // a browser always sends Origin on a WebSocket: only pages of this server (or listed ones) may connect
    if (!originAllowed(req)) return refuse(403, 'Forbidden');
    const wss = path === '/chat' ? chatWss : path === '/upload' ? uploadWss : undefined;
    if (!wss) return refuse(404, 'Not Found');
    if (chaos.refusing) return refuse(503, 'Service Unavailable', { 'Retry-After': String(chaos.retryAfterSeconds) });
    if (wss === chatWss && chaos.websocketBlocked) return refuse(403, 'Forbidden');
    chaos.live(socket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      entry.status = 101;
      if (wss === chatWss) chat.attach(ws);
      else {
        sink.handle(ws);
        observeUpload(ws);
      }
    });
  });

  /** Counts upload bytes and completions as they pass (the sink stays untouched). */
  function observeUpload(ws) {
    let received = 0;
    ws.on('message', (raw, binary) => {
      if (!binary) return;
      received += raw.length;
      uploads.received += raw.length;
      events.emit('upload-data', { received, total: uploads.received });
    });
    const send = ws.send.bind(ws);
    ws.send = (data, ...rest) => {
      if (typeof data === 'string' && data.startsWith('{"type":"done"')) {
        const done = JSON.parse(data);
        uploads.completed++;
        uploads.bytes += done.size;
        events.emit('upload-done', done);
      }
      return send(data, ...rest);
    };
  }

  // --- the stats tick: the status document, an SSE `stats` event, a WebSocket message
  function stats() {
    return {
      type: 'stats',
      tick,
      time: new Date().toISOString(),
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      clients: { websocket: chat.sockets, sse: counts.sse, longPoll: counts.longPoll, upload: uploadWss.clients.size },
      chat: { messages: chat.count, online: chat.online },
      uploads: { completed: uploads.completed, bytes: uploads.bytes },
      statusDoc: { ok: status.counts.ok, notModified: status.counts.notModified },
      chaos: (({ refusing, frozen, websocketBlocked }) => ({ refusing, frozen, websocketBlocked }))(chaos.state()),
    };
  }
  const ticker = setInterval(() => {
    tick++;
    chat.prune(10 * 60 * 1000);
    const doc = JSON.stringify(stats());
    status.set(doc);
    hub.publish('stats', doc);
    chat.broadcast(doc);
  }, tickMs);
  ticker.unref();
  status.set(JSON.stringify(stats()));

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(undefined);
    });
  });
  actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const shownHost = WILDCARD.has(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${actualPort}`,
    port: actualPort,
    server,
    hub,
    status,
    chatDoc,
    chat,
    sink,
    chaos,
    events,
    requests,
    uploads,
    stats,
    async close() {
      clearInterval(ticker);
      chaos.close();
      hub.close();
      for (const ws of [...chatWss.clients, ...uploadWss.clients]) ws.terminate();
      chatWss.close();
      uploadWss.close();
      await sink.close();
      await new Promise((done) => {
        server.close(() => done(undefined));
        chaos.destroyAll();
      });
    },
  };
}

function text(res, code, body, headers = {}) {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
}

function json(res, code, body) {
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function fail(res, error) {
  console.error(error);
  if (!res.headersSent) text(res, 500, 'internal error');
  else res.destroy();
}

// --- CLI -------------------------------------------------------------------------
async function main() {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (0-65535), got '${process.env.PORT}'.`);
    process.exit(1);
  }
  if (!existsSync(join(DIST, 'pushline.mjs'))) console.warn('dist/ has no build yet: run `npm run build` (`npm run demo` does both).');
  const host = process.env.HOST ?? '127.0.0.1';
  let demo;
  try {
    demo = await startDemoServer({
      port,
      host,
      ...(process.env.UPLOAD_DIR ? { uploadDir: resolve(process.env.UPLOAD_DIR) } : {}),
      allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(',').filter(Boolean),
    });
  } catch (error) {
    if (error.code === 'EADDRINUSE') {
      console.error(`Port ${port} on ${host} is already in use. Stop whatever holds it, or pick another port: PORT=${port + 1} npm run demo`);
      process.exit(1);
    }
    if (error.code === 'EACCES') {
      console.error(`Not allowed to listen on ${host}:${port}. Pick a port above 1023: PORT=8080 npm run demo`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`pushline demo running. Open ${demo.url}/ (and a second tab to chat)`);
  console.log(`  UMD page: ${demo.url}/umd.html   uploads go to ${demo.sink.dir}`);
  console.log('  Ctrl+C to stop');
  const stop = () => {
    console.log('\nstopping');
    demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
