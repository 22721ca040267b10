// Server side of pushline's HTTP transports (docs/PROTOCOL.md): SSE,
// long-poll and POST sends over one in-memory, sequence-numbered event log.
// Plain Node ESM without dependencies: a minimal reference, and a fixture for
// the client's tests. The demo server runs on pushline/server (src/server/).
//
//   const hub = createEventHub({ path: '/events' });
//   http.createServer((req, res) => hub.handle(req, res) || res.writeHead(404).end());
//   hub.publish('message', 'hello');

import { cors } from './cors.mjs';

/**
 * @typedef {{ id: number, type: string, data: string }} LoggedEvent
 * @typedef {{ data: string | Buffer, contentType: string }} ReceivedMessage
 */

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' };

/** One event in SSE framing; data lines split on any line ending so none can end the event early. */
export function frame({ id, type, data }) {
  const lines = String(data).split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join('');
  return `id: ${id}\n${type === 'message' ? '' : `event: ${type}\n`}${lines}\n`;
}

/** The shared CORS rule, re-exported for the servers that compose this hub. */
export { cors };

/**
 * Creates an event hub.
 * @param {object} [options]
 * @param {string} [options.path='/events'] the URL path served; `handle` ignores others
 * @param {number} [options.retryMs] sent as `retry:` at the start of every SSE stream
 * @param {number} [options.holdMs=25000] how long a long-poll is held before a 204 (keep it under the client's `longPoll.timeoutMs`)
 * @param {number} [options.keepAliveMs=15000] SSE comment interval, so proxies keep idle streams open
 * @param {number} [options.maxEvents=10000] events kept for resuming; older cursors resume from the oldest kept
 * @param {(message: ReceivedMessage, req: import('node:http').IncomingMessage) => void} [options.onMessage] called for every POSTed send
 */
export function createEventHub(options = {}) {
  const { path = '/events', retryMs, holdMs = 25000, keepAliveMs = 15000, maxEvents = 10000, onMessage } = options;
  /** @type {LoggedEvent[]} */
  const log = [];
  /** @type {ReceivedMessage[]} */
  const received = [];
  let seq = 0;
  const streams = new Set();
  const polls = new Set();

  // the Last-Event-ID header first (an EventSource reconnecting by itself sends its newest id
  // there, on a URL whose query still has the cursor it was opened with), then the query
  const cursorOf = (req, url) => {
    const raw = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId');
    if (raw === undefined || raw === null) return undefined;
    const id = Number(raw);
    return Number.isInteger(id) && id >= 0 ? id : 0;
  };
  const since = (cursor) => (cursor === undefined ? [] : log.filter((e) => e.id > cursor));

  function stream(req, res, cursor) {
    res.writeHead(200, SSE_HEADERS);
    // a first write flushes the headers, so the client opens at once
    res.write(`${retryMs === undefined ? '' : `retry: ${retryMs}\n`}:ok\n\n${since(cursor).map(frame).join('')}`);
    const keepAlive = setInterval(() => res.write(':\n\n'), keepAliveMs);
    streams.add(res);
    res.on('close', () => {
      clearInterval(keepAlive);
      streams.delete(res);
    });
  }

  function answer(poll) {
    polls.delete(poll);
    clearTimeout(poll.timer);
    poll.res.writeHead(200, SSE_HEADERS).end(since(poll.cursor).map(frame).join(''));
  }

  function poll(req, res, cursor) {
    // without a cursor there is nothing to resume from: hand one over at once as an
    // id-only block (no data, so no event), so no event slips between two polls
    if (cursor === undefined) return res.writeHead(200, SSE_HEADERS).end(`id: ${seq}\n\n`);
    const entry = { res, cursor, timer: undefined };
    if (since(cursor).length) return answer(entry);
    entry.timer = setTimeout(() => {
      polls.delete(entry);
      res.writeHead(204).end();
    }, holdMs);
    polls.add(entry);
    res.on('close', () => {
      clearTimeout(entry.timer);
      polls.delete(entry);
    });
  }

  function receive(req, res) {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      const message = { data: contentType.startsWith('text/') ? body.toString('utf8') : body, contentType };
      received.push(message);
      onMessage?.(message, req);
      res.writeHead(204).end();
    });
  }

  return {
    /** POSTed sends, in arrival order. */
    received,
    /** The retained event log. */
    log,
    /** Open SSE streams plus held polls. */
    get connections() {
      return streams.size + polls.size;
    },
    /** Appends an event and delivers it to every stream and held poll; returns its id. */
    publish(type, data) {
      const event = { id: ++seq, type, data: String(data) };
      log.push(event);
      if (log.length > maxEvents) log.splice(0, log.length - maxEvents);
      const text = frame(event);
      for (const res of streams) res.write(text);
      for (const entry of [...polls]) answer(entry);
      return event.id;
    },
    /** Serves `path` (SSE, long-poll, POST, CORS preflight); returns false for other paths. */
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) return false;
      cors(req, res);
      if (req.method === 'OPTIONS') res.writeHead(204).end();
      else if (req.method === 'POST') receive(req, res);
      else if (req.method !== 'GET') res.writeHead(405, { Allow: 'GET, POST, OPTIONS' }).end();
      else if (url.searchParams.get('transport') === 'long-poll') poll(req, res, cursorOf(req, url));
      else stream(req, res, cursorOf(req, url));
      return true;
    },
    /** Ends every stream and held poll (a server shutting down). */
    close() {
      for (const res of streams) res.end();
      for (const entry of [...polls]) {
        clearTimeout(entry.timer);
        entry.res.writeHead(204).end();
      }
      polls.clear();
    },
  };
}
