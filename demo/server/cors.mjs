/**
 * CORS for cross-origin pages, cookies included, shared by every endpoint: the
 * Origin is echoed (a `*` would forbid credentials), the request's headers are
 * allowed (Last-Event-ID, If-None-Match, the app's own), and the headers clients
 * must read are exposed (Retry-After for backoff, ETag/Last-Modified for polling).
 * For a preflight it sets the allow headers; the caller ends the response.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
export function cors(req, res) {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After, ETag, Last-Modified');
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS') return;
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Last-Event-ID, Content-Type');
  res.setHeader('Access-Control-Max-Age', '600');
}
