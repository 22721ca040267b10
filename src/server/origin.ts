// Who may talk to the hub, and the CORS headers that let an allowed page read
// the answers. A browser always sends `Origin` on a WebSocket handshake and on
// cross-origin fetches, so refusing unknown origins stops other sites from
// using a visitor's cookies against this server (cross-site WebSocket hijacking).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { OriginPolicy } from './options.js';

const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

/** The origin this request was addressed to, from `Host` (or the proxy's headers when trusted). */
export function ownOrigin(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const proto = (trustProxy && first(req.headers['x-forwarded-proto'])) || ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  const host = (trustProxy && first(req.headers['x-forwarded-host'])) || req.headers.host;
  if (!host) return undefined;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/** Whether the request's `Origin` may use the hub (a missing `Origin` is never a foreign page). */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy, trustProxy: boolean): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || policy === '*') return true;
  if (origin === ownOrigin(req, trustProxy)) return true;
  if (typeof policy === 'function') {
    try {
      return policy(origin, req) === true;
    } catch {
      return false;
    }
  }
  return Array.isArray(policy) && policy.includes(origin);
}

/**
 * Sets the CORS headers for an allowed cross-origin request: the Origin echoed
 * (credentials forbid `*`), credentials allowed, `Retry-After` readable by the
 * client's backoff; for a preflight also the methods and the asked-for headers.
 */
export function setCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS') return;
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Last-Event-ID, Content-Type');
  res.setHeader('Access-Control-Max-Age', '600');
}
