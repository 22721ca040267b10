// Static files of the demo: the pages and their scripts from demo/, the built
// package from dist/. Nothing else: no server code, no path outside these two
// folders, however the path is spelled.
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = dirname(fileURLToPath(import.meta.url));
export const DIST = resolve(DEMO, '../dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const PAGES = { '/': 'index.html', '/index.html': 'index.html', '/umd.html': 'umd.html' };
/** Browser files of demo/: one path segment, `.js` or `.css` (server modules are `.mjs`). */
const ASSET = /^\/[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

/**
 * What the pages may do: scripts and styles from this origin only, connections to
 * any server (the page can talk to another demo server, cross-origin), workers from
 * this origin or blob: (pushline's inline poll worker).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' http: https: ws: wss:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The file for a URL path, or undefined; null when the path is malformed. */
export function fileFor(pathname) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (Object.hasOwn(PAGES, path)) return join(DEMO, PAGES[path]);
  if (ASSET.test(path)) return join(DEMO, path.slice(1));
  if (path.startsWith('/dist/')) {
    const file = resolve(DIST, `.${path.slice('/dist'.length)}`);
    return file.startsWith(DIST + sep) ? file : null;
  }
  return undefined;
}

/**
 * Answers GET/HEAD for the demo's files; returns false when the path is not one of
 * them (the caller answers 404). `pageHeaders` go on HTML pages only (a cookie).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {Record<string, string>} [pageHeaders]
 */
export async function serveStatic(req, res, pageHeaders = {}) {
  const file = fileFor(new URL(req.url ?? '/', 'http://x').pathname);
  if (file === undefined) return false;
  if (file === null) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  let body;
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    body = await readFile(file);
  } catch {
    const hint = file.startsWith(DIST) ? ' (run `npm run build` first)' : '';
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found${hint}`);
    return true;
  }
  const html = extname(file) === '.html';
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(html ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', ...pageHeaders } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
