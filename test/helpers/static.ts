import { readFileSync, existsSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ROOT = resolve(import.meta.dirname, '../..');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css',
};

/**
 * Serves `/dist/*` from the built package and answers `/page` with an empty
 * HTML page (optionally with extra headers, e.g. a CSP). Returns true when it answered.
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, pageHeaders: Record<string, string> = {}): boolean {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/page') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...pageHeaders }).end('<!doctype html><title>pushline test</title>');
    return true;
  }
  if (!path.startsWith('/dist/')) return false;
  const file = normalize(join(ROOT, path));
  if (!file.startsWith(join(ROOT, 'dist')) || !existsSync(file)) {
    res.writeHead(404).end();
    return true;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  return true;
}
