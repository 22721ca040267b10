import { HttpStatusError, ProtocolError, typed } from '../../errors.js';
import type { Resolved } from '../../policy/options.js';
import { parseRetryAfter } from '../../policy/policy.js';
import type { CloseInfo, SendData } from '../../types.js';

/**
 * The resume-cursor rule, in one place: every request carries the cursor as the
 * query parameter `lastEventId` once one is known (no preflight needed), and, in
 * reliable mode, the session as `sessionId`; `extra` adds parameters.
 */
export function withCursor(url: string, o: Resolved, lastEventId: string, extra?: Record<string, string>): string {
  const u = new URL(url);
  const params = u.searchParams;
  for (const [key, value] of Object.entries(extra ?? {})) params.set(key, value);
  if (o.reliable) params.set('sessionId', o.sessionId);
  if (lastEventId) params.set('lastEventId', lastEventId);
  return u.href;
}

/** A header value as its UTF-8 bytes, one character per byte: what `EventSource` sends for a non-ASCII id, and what `fetch` accepts. */
const byteString = (text: string): string => String.fromCharCode(...new TextEncoder().encode(text));

/**
 * Request headers for one fetch: the `headers` option (a function is called per
 * request, so tokens can refresh), plus `Last-Event-ID` for same-origin requests
 * only: on another origin that header would make the request preflighted, and a
 * server that does not answer `OPTIONS` would never see the resume (the query
 * parameter carries the cursor there).
 */
export async function requestHeaders(o: Resolved, url: string, lastEventId: string, extra?: Record<string, string>): Promise<Record<string, string>> {
  const own = typeof o.headers === 'function' ? await o.headers() : o.headers;
  const headers: Record<string, string> = { ...extra, ...own };
  const page = globalThis.location?.origin;
  if (lastEventId && (!page || page === new URL(url).origin)) headers['Last-Event-ID'] = byteString(lastEventId);
  return headers;
}

/** `credentials` for every fetch: cookies cross-origin only with `withCredentials`. */
export const credentials = (o: Resolved): RequestCredentials => (o.withCredentials ? 'include' : 'same-origin');

/** GET an event stream (SSE, long-poll) with the cursor rules, the `headers` option and `credentials`. */
export async function getStream(o: Resolved, url: string, lastEventId: string, signal: AbortSignal, query?: Record<string, string>): Promise<Response> {
  const target = withCursor(url, o, lastEventId, query);
  return o.fetch(target, {
    headers: await requestHeaders(o, target, lastEventId, { Accept: 'text/event-stream' }),
    credentials: credentials(o),
    cache: 'no-store',
    signal,
  });
}

/**
 * One HTTP send: `POST` with `text/plain;charset=UTF-8` for strings and
 * `application/octet-stream` for binary, the cursor rules, and `seq` in reliable
 * mode. Resolves on 2xx; rejects with an `HttpStatusError` otherwise.
 */
export async function post(o: Resolved, url: string, data: SendData, lastEventId: string, seq: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  const type = typeof data === 'string' ? 'text/plain;charset=UTF-8' : 'application/octet-stream';
  const target = withCursor(url, o, lastEventId, seq === undefined ? undefined : { seq: String(seq) });
  const res = await o.fetch(target, {
    method: 'POST',
    body: data as BodyInit,
    headers: await requestHeaders(o, target, lastEventId, { 'Content-Type': type }),
    credentials: credentials(o),
    ...(signal && { signal }),
  });
  // the body is not needed, but an unread body can keep the connection busy
  await res.body?.cancel().catch(() => {});
  if (!res.ok) throw new HttpStatusError(res.status, parseRetryAfter(res.headers.get('retry-after')));
}

/**
 * What an unusable HTTP answer means to the reconnect policy (status, `Retry-After`,
 * typed error). Takes the status and the raw `Retry-After` rather than a Response:
 * a Worker's report and EventSource (where it exposes a status) have no Response.
 */
export function httpClose(status: number, retryAfterHeader?: string | null): CloseInfo {
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  const error = new HttpStatusError(status, retryAfterMs);
  return { code: 1006, reason: error.message, wasClean: false, status, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** What a network failure (fetch rejected: a bare TypeError) means to the reconnect policy: a typed `network` error. */
export const networkClose = (cause: unknown): CloseInfo => ({ code: 1006, reason: 'network error', wasClean: false, error: typed(cause) });

/** A close for a 2xx answer that is not an event stream (a proxy's HTML page, a JSON error...). */
export function badContentType(res: Response): CloseInfo | undefined {
  const type = res.headers.get('content-type') ?? '';
  if (/^\s*text\/event-stream\s*(;|$)/i.test(type) && res.body) return undefined;
  const error = new ProtocolError(`expected text/event-stream, got '${type}'`);
  return { code: 1006, reason: error.message, wasClean: false, error };
}
