import { httpClose } from './http/request.js';
import { withResumeCursor, type Transport, type TransportContext } from '../transport.js';
import { httpLink } from './http/link.js';

/**
 * SSE over the platform's `EventSource` (cookies via `withCredentials`). Its own
 * reconnection is never used: on the first error it is closed and the client's
 * single jittered policy decides, resuming with the `lastEventId` query parameter.
 */
export function nativeSse(ctx: TransportContext): Transport {
  const { url, lastEventId, options, listened, sink } = ctx;
  const ES = options.EventSource;
  if (!ES) throw new TypeError('EventSource is not available; pass options.EventSource');
  let cursor = lastEventId;
  let ownId = false;
  // a fresh EventSource does not know the resumed id: until it reports one of its own,
  // events carry the old one (after that, an `id:` reset to '' is the server's choice)
  const deliver = (e: MessageEvent): void => {
    if ((ownId ||= e.lastEventId !== '')) cursor = e.lastEventId;
    sink.message(e.type, e.data, cursor, e.origin);
  };
  const link = httpLink(
    ctx,
    // EventSource has no CLOSING: its 2 is CLOSED
    () => (es.readyState > 1 ? 3 : es.readyState),
    () => es.close(),
    () => cursor,
    // the same listener twice is a no-op for an EventTarget, so names need no bookkeeping
    (type) => es.addEventListener(type, deliver),
  );
  // created after the link, which may throw (a bad sendUrl), so it never leaks
  const es = new ES(withResumeCursor(url, lastEventId), { withCredentials: options.withCredentials });
  es.onopen = () => sink.open();
  es.onerror = (e) => {
    // browsers hide the status; Node polyfills (the `eventsource` package) expose it as
    // `code` (200 there means a wrong Content-Type: no status to classify)
    const status = (e as Event & { code?: unknown }).code;
    link.end(
      typeof status === 'number' && status !== 200
        ? httpClose(status)
        : { code: 1006, reason: 'EventSource error', wasClean: false },
    );
  };
  link.transport.listen!('message');
  for (const type of listened) link.transport.listen!(type);
  return link.transport;
}
