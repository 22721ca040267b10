import { HttpStatusError, typed } from '../../errors.js';
import type { Resolved } from '../../policy/options.js';
import { parseRetryAfter } from '../../policy/policy.js';
import { withResumeCursor } from '../../transport.js';
import type { CloseInfo, SendData } from '../../types.js';

/** `credentials` for every fetch: cookies cross-origin only with `withCredentials`. */
export const credentials = (o: Resolved): RequestCredentials => (o.withCredentials ? 'include' : 'same-origin');

/**
 * Request headers for one fetch: the `headers` option (a function is called
 * per request, so tokens can refresh) plus `Last-Event-ID` when an id is known.
 */
export async function requestHeaders(o: Resolved, lastEventId = '', extra?: Record<string, string>): Promise<Record<string, string>> {
  const own = typeof o.headers === 'function' ? await o.headers() : o.headers;
  const headers: Record<string, string> = { ...extra, ...own };
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  return headers;
}

/**
 * What an unusable HTTP answer means to the reconnect policy (status, `Retry-After`,
 * typed error). Takes the status and the raw `Retry-After` rather than a Response:
 * a Worker's report and EventSource (where it exposes a status) have no Response.
 */
export function httpClose(status: number, retryAfterHeader?: string | null): CloseInfo {
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  const error = new HttpStatusError(status, retryAfterMs);
  return {
    code: 1006,
    reason: error.message,
    wasClean: false,
    status,
    error,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** What a network failure (fetch rejected: a bare TypeError) means to the reconnect policy: a typed `network` error. */
export const networkClose = (cause: unknown): CloseInfo => ({
  code: 1006,
  reason: 'network error',
  wasClean: false,
  error: typed(cause, 'network', 'network error'),
});

/**
 * One HTTP send (SPEC §4): `POST` with `text/plain;charset=UTF-8` for strings and
 * `application/octet-stream` for binary, carrying the resume cursor like every HTTP
 * request (query parameter and `Last-Event-ID`). Resolves on 2xx; rejects otherwise,
 * so the client keeps the message at the head of its queue and retries it.
 */
export async function post(o: Resolved, url: string, data: SendData, lastEventId: string): Promise<void> {
  const type = typeof data === 'string' ? 'text/plain;charset=UTF-8' : 'application/octet-stream';
  const res = await o.fetch(withResumeCursor(url, lastEventId), {
    method: 'POST',
    body: data as BodyInit,
    headers: await requestHeaders(o, lastEventId, { 'Content-Type': type }),
    credentials: credentials(o),
  });
  // the body is not needed, but an unread body can keep the connection busy
  await res.body?.cancel().catch(() => {});
  if (!res.ok) throw new HttpStatusError(res.status, parseRetryAfter(res.headers.get('retry-after')));
}
