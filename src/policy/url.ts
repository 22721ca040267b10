import { domError } from '../errors.js';

const SCHEMES: Record<string, Record<'ws' | 'http', string>> = {
  'ws:': { ws: 'ws:', http: 'http:' },
  'wss:': { ws: 'wss:', http: 'https:' },
  'http:': { ws: 'ws:', http: 'http:' },
  'https:': { ws: 'wss:', http: 'https:' },
};

/**
 * Resolves `input` against the page (when there is one) and converts its scheme
 * to the transport's family, throwing the `SyntaxError` DOMException that
 * `new WebSocket()` throws for an unparsable URL or a foreign scheme.
 */
export function resolveUrl(input: string | URL, family: 'ws' | 'http'): string {
  let url: URL;
  try {
    url = new URL(String(input), globalThis.location?.href);
  } catch {
    throw domError('SyntaxError', `invalid URL '${String(input)}'`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) {
    throw domError('SyntaxError', `bad URL scheme '${url.protocol}'`);
  }
  url.protocol = scheme[family];
  // a WebSocket handshake carries no fragment; dropping it is what the standard now does
  if (family === 'ws') url.hash = '';
  return url.href;
}

/**
 * Loopback or the page's own host: reachable while the browser reports offline
 * (kiosk and desktop shells do, with a server on localhost).
 */
export function isLocal(url: string): boolean {
  const host = url && new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host) || host === globalThis.location?.hostname;
}

// RFC 7230 token: what Sec-WebSocket-Protocol accepts
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validates subprotocols as `new WebSocket(url, protocols)` does. */
export function validateProtocols(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!TOKEN.test(protocol) || seen.has(protocol)) {
      throw domError('SyntaxError', `bad or repeated subprotocol '${protocol}'`);
    }
    seen.add(protocol);
  }
}
