// A worker-poll status document for the demo server and the tests:
// ETag + Last-Modified validators, 304 on a match, CORS with credentials (the
// conditional headers are not CORS-safelisted, so cross-origin polls preflight),
// POST replaces the document, and every request is recorded and counted per
// `Sec-Fetch-Dest`. Plain Node ESM, no dependencies.

import { cors } from './cors.mjs';

/**
 * @param {{ path?: string, body?: string, etag?: boolean, lastModified?: boolean }} [options]
 *   `etag: false` / `lastModified: false` leave a validator out, to exercise the
 *   client's body comparison and If-Modified-Since paths.
 */
export function createStatus({ path = '/status', body = '{}', etag = true, lastModified = true } = {}) {
  let text = body;
  let version = 1;
  let modifiedMs = wholeSecond(Date.now());
  /** @type {{ status: number, retryAfter?: string }[]} */
  const failures = [];
  const counts = { total: 0, ok: 0, notModified: 0, failed: 0, posts: 0, preflights: 0, byDest: {} };
  /** @type {object[]} */
  const requests = [];

  const tag = () => `"v${version}"`;

  /** Answers `req` when it is for this document; returns whether it did. */
  function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) return false;
    cors(req, res);
    if (req.method === 'OPTIONS') {
      counts.preflights++;
      res.writeHead(204).end();
      return true;
    }
    if (req.method === 'POST') {
      counts.posts++;
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        set(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, POST, OPTIONS' }).end();
      return true;
    }
    const dest = req.headers['sec-fetch-dest'] ?? '(none)';
    counts.total++;
    counts.byDest[dest] = (counts.byDest[dest] ?? 0) + 1;
    const record = {
      at: Date.now(),
      dest,
      mode: req.headers['sec-fetch-mode'],
      referer: req.headers.referer,
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      ifNoneMatch: req.headers['if-none-match'],
      ifModifiedSince: req.headers['if-modified-since'],
      lastEventId: url.searchParams.get('lastEventId') ?? req.headers['last-event-id'],
      headers: { ...req.headers },
      status: 0,
    };
    requests.push(record);
    const failure = failures.shift();
    if (failure) {
      counts.failed++;
      record.status = failure.status;
      res.writeHead(failure.status, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}).end();
      return true;
    }
    const validators = {
      ...(etag ? { etag: tag() } : {}),
      ...(lastModified ? { 'last-modified': new Date(modifiedMs).toUTCString() } : {}),
      // revalidate every time: the client's own validators decide, not a cache
      'cache-control': 'no-cache',
    };
    // RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it
    const inm = record.ifNoneMatch;
    const ims = record.ifModifiedSince;
    const fresh = inm !== undefined
      ? etag && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === tag())
      : lastModified && ims !== undefined && Date.parse(ims) >= modifiedMs;
    if (fresh) {
      counts.notModified++;
      record.status = 304;
      res.writeHead(304, validators).end();
      return true;
    }
    counts.ok++;
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...validators }).end(req.method === 'HEAD' ? undefined : text);
    return true;
  }

  /** Replaces the document: a new ETag and a later Last-Modified. */
  function set(next) {
    text = next;
    version++;
    // Last-Modified has one-second resolution: two changes within a second must
    // still compare as newer, or an If-Modified-Since poller would miss the second
    modifiedMs = Math.max(wholeSecond(Date.now()), modifiedMs + 1000);
  }

  return {
    handle,
    set,
    /** The next GETs answer these statuses (with an optional Retry-After), in order. */
    fail(status, retryAfter) {
      failures.push(retryAfter === undefined ? { status } : { status, retryAfter });
    },
    get body() {
      return text;
    },
    get etag() {
      return tag();
    },
    counts,
    requests,
  };
}

const wholeSecond = (ms) => Math.floor(ms / 1000) * 1000;
