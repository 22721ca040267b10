#!/usr/bin/env node
// The demo server: one Node process (node:http, no framework). Every transport
// is served by pushline/server (the built dist/server.mjs): one hub on the paths
// below, over an in-memory log, or a Redis Stream when REDIS_URL is set, so that
// several demo processes serve one chat. This file adds the chat room, the
// worker-poll documents, chaos controls that break connections on demand, and
// the static pages.
//
//   node demo/server.mjs                               # http://127.0.0.1:8080/ (PORT, HOST to change)
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8081 node demo/server.mjs   # a second process, same chat
//   const demo = await startDemoServer({ port: 0 });   // in-process, for tests
//
// Routes
//   GET  /, /umd.html, /*.js, /*.css   the demo pages (demo/), /dist/* the built package
//   WS   /chat                         the hub: chat messages as plain frames (`ping` -> `pong`), or pushline.v1
//   WS   /upload                       the hub's upload sink, subprotocol pushline-upload.v1
//   GET  /events                       the hub: SSE (`event: chat`, `event: stats`, ids, `retry:`)
//   GET  /events?transport=long-poll   the hub: long-poll, same events
//   POST /events                       the hub: HTTP sends (chat messages from the HTTP transports)
//   GET  /status                       worker-poll: server stats with ETag/Last-Modified, 304
//   GET  /chat/log                     worker-poll: the latest chat messages, same validators
//   GET  /chaos                        chaos state; POST /chaos/{drop,refuse,freeze,thaw,block-websocket,reset}
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHub, memoryLog, redisLog } from '../dist/server.mjs';
import { createChaos, parseSeconds } from './chaos.mjs';
import { createChatRoom } from './chat-room.mjs';
import { cors } from './server/cors.mjs';
import { createStatus } from './server/status.mjs';
import { DIST, serveStatic } from './static.mjs';

const COOKIE = 'pushline_demo';
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);
/** Requests remembered for tests and debugging. */
const MAX_REQUESTS = 500;
/** The paths the hub serves (the pages expect the WebSocket, SSE and upload apart). */
const HUB_PATHS = ['/events', '/chat', '/upload'];

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
    retryMs = [1000, 3000],
    holdMs = 25000,
    keepAliveMs = 15000,
    allowedOrigins = [],
    redisUrl,
    redisKey = 'pushline-demo',
  } = options;
  const startedAt = Date.now();
  const events = new EventEmitter();
  /** @type {import('./server.d.mts').RequestRecord[]} */
  const requests = [];
  /** Upgrade records by request, completed when the hub reports the connection. */
  const upgrades = new WeakMap();
  const uploads = { completed: 0, bytes: 0, received: 0 };
  let tick = 0;
  let actualPort = port;

  const chaos = createChaos({ onChange: () => events.emit('chaos', chaos.state()) });
  const shared = redisUrl ? await redisCounter(redisUrl, `${redisKey}:chat-seq`) : undefined;
  let localSeq = 0;
  const hub = createHub({
    log: redisUrl ? redisLog({ url: redisUrl, key: redisKey }) : memoryLog({ maxLen: 10000 }),
    // the same rule as every other route here (checked before the hub sees a request)
    allowedOrigins: (_origin, req) => originAllowed(req),
    retryMs,
    holdMs,
    keepAliveMs,
    maxMessageBytes: 64 * 1024,
  });
  hub.on('error', ({ error, context }) => console.error(`hub (${context}):`, error));
  const handler = hub.handler({
    path: HUB_PATHS,
    upload: { dir: uploadDir ?? mkdtempSync(join(tmpdir(), 'pushline-uploads-')), ...(maxUploadBytes ? { maxBytes: maxUploadBytes } : {}) },
  });
  const sink = handler.uploads;
  const status = createStatus({ path: '/status', body: '{}' });
  const chatDoc = createStatus({ path: '/chat/log', body: '{}' });
  const chat = createChatRoom({
    hub,
    doc: chatDoc,
    nextSeq: shared ? shared.next : async () => ++localSeq,
    onMessage: (m) => events.emit('chat', m),
    onError: (error) => console.error('chat:', error),
  });
  hub.on('connection', ({ req }) => {
    const entry = upgrades.get(req);
    if (entry) entry.status = 101;
  });
  // what the page's upload panel and the tests watch, from the hub's upload events
  hub.on('upload-progress', ({ offset, bytes }) => {
    uploads.received += bytes;
    events.emit('upload-data', { received: offset, total: uploads.received });
  });
  hub.on('upload', ({ id, size, sha256 }) => {
    uploads.completed++;
    uploads.bytes += size;
    events.emit('upload-done', { type: 'done', id, size, sha256 });
  });
  const server = createServer((req, res) => void route(req, res).catch((error) => fail(res, error)));
  chaos.track(server);

  // --- who may talk to us ------------------------------------------------------
  const openToAll = WILDCARD.has(host);
  const shownHost = () => (openToAll ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);
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
    if (path === '/events' || path === '/status' || path === '/chat/log') return transportRoute(req, res, path);
    const page = req.headers.cookie?.includes(`${COOKIE}=`)
      ? {}
      : { 'set-cookie': `${COOKIE}=${randomBytes(12).toString('hex')}; Path=/; SameSite=Lax; HttpOnly` };
    if (await serveStatic(req, res, page)) return;
    text(res, 404, 'not found');
  }

  function transportRoute(req, res, path) {
    // the documents are read-only here: their own POST would let anyone replace them
    if (req.method === 'POST' && path !== '/events') {
      cors(req, res);
      return text(res, 405, 'read-only', { allow: 'GET, HEAD, OPTIONS' });
    }
    if (req.method !== 'OPTIONS') {
      if (chaos.refusing) {
        cors(req, res);
        return text(res, 503, 'refusing service (chaos)', { 'retry-after': String(chaos.retryAfterSeconds), 'cache-control': 'no-store' });
      }
      chaos.live(req.socket, res);
    }
    if (path === '/events') return void handler.handleRequest(req, res);
    cors(req, res);
    status.handle(req, res) || chatDoc.handle(req, res);
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
    if (path !== '/chat' && path !== '/upload') return refuse(404, 'Not Found');
    if (chaos.refusing) return refuse(503, 'Service Unavailable', { 'Retry-After': String(chaos.retryAfterSeconds) });
    if (path === '/chat' && chaos.websocketBlocked) return refuse(403, 'Forbidden');
    chaos.live(socket);
    upgrades.set(req, entry);
    handler.handleUpgrade(req, socket, head);
  });

  // --- the stats tick: the status document, an SSE `stats` event, a WebSocket message
  function stats() {
    return {
      type: 'stats',
      tick,
      time: new Date().toISOString(),
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      node: `${shownHost()}:${actualPort}`,
      log: redisUrl ? 'redis' : 'memory',
      clients: (({ websocket, sse, longPoll, upload }) => ({ websocket, sse, longPoll, upload }))(hub.stats()),
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
    // to every client of every process: SSE `event: stats`, a plain WebSocket text message
    hub.publish(doc, { event: 'stats' }).catch(() => {});
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

  return {
    url: `http://${shownHost()}:${actualPort}`,
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
      await hub.close();
      await shared?.close();
      await new Promise((done) => {
        server.close(() => done(undefined));
        chaos.destroyAll();
      });
    },
  };
}

/** The chat's message counter in Redis, shared by every demo process on it (INCR). */
async function redisCounter(url, key) {
  const { createClient } = await import('redis');
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => {}); // the hub reports Redis trouble; the counter just fails that message
  const connecting = client.connect();
  connecting.catch(() => {});
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`Redis at ${url} did not answer within 5 s`)), 5000).unref());
  try {
    await Promise.race([connecting, timer]);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    next: async () => Number(await client.incr(key)),
    close: () => client.close().catch(() => client.destroy()),
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
      ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
      allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
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
  console.log(process.env.REDIS_URL ? `  log: Redis at ${process.env.REDIS_URL} (start more processes with other PORTs: one chat)` : '  log: in memory (REDIS_URL=redis://... to share it between processes)');
  console.log('  Ctrl+C to stop');
  const stop = () => {
    console.log('\nstopping');
    demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
