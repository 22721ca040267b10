import { CONTROL } from '../client/events.js';
import type { Transport, TransportContext } from '../transport.js';
import { RESET_EVENT, httpLink } from './http/link.js';
import { httpClose, withCursor } from './http/request.js';

/** The browser's reconnection delay when the server sent no `retry:` (which native mode cannot see): Chromium's 3 s (Firefox waits 5 s). */
const BROWSER_RETRY_MS = 3000;

/**
 * SSE over the platform's `EventSource` (cookies via `withCredentials`). When an
 * open stream drops, the first reconnection is the browser's own: it sends
 * `Last-Event-ID`, which is all a server that reads only that header can resume
 * from, and honours `retry:`. If that reconnection fails, or the browser gives up,
 * the `EventSource` is closed and the client's policy continues, resuming with the
 * `lastEventId` query parameter. Only events prove liveness here: `EventSource`
 * hides comments.
 */
export function nativeSse(ctx: TransportContext): Transport {
  const { url, lastEventId, options, listened, sink } = ctx;
  const ES = options.EventSource;
  if (!ES) throw new TypeError('no EventSource constructor: pass options.EventSource');
  let cursor = lastEventId;
  let ownId = false;
  let opened = false;
  let healing = false;
  // a fresh EventSource does not know the resumed id: until it reports one of its own,
  // events carry the old one (after that, an `id:` reset to '' is the server's choice)
  // (each property of `e` is read once at most, and `type` not at all: a read crosses into the engine)
  const deliver = (e: MessageEvent, type: string): void => {
    const id = e.lastEventId;
    if ((ownId ||= id !== '')) cursor = id;
    if (options.reliable && type === RESET_EVENT) sink.reset(cursor);
    // the event as it is when it carries the cursor; else one of ours with the resumed id
    else if (cursor === id) sink.message(type, undefined, id, undefined, e);
    else sink.message(type, e.data, cursor, e.origin);
  };
  // server events named `open` or `error` arrive through the EventSource's own handlers, with data
  const fromServer = (e: Event, type: string): boolean => typeof (e as MessageEvent).data === 'string' && (deliver(e as MessageEvent, type), true);
  const named = new Set<string>();
  const link = httpLink(
    ctx,
    // EventSource has no CLOSING: its 2 is CLOSED
    () => (es.readyState > 1 ? 3 : es.readyState),
    () => es.close(),
    () => cursor,
    // one listener per name, which knows its name
    (type) => void (named.has(type) || (named.add(type), es.addEventListener(type, (e) => deliver(e as MessageEvent, type)))),
  );
  // created after the link, which may throw (a bad sendUrl), so it never leaks
  const es = new ES(withCursor(url, options, lastEventId), { withCredentials: options.withCredentials });
  es.onopen = (e) => {
    if (fromServer(e, 'open')) return;
    opened = true;
    healing = false;
    sink.open();
  };
  es.onerror = (e) => {
    if (fromServer(e, 'error')) return;
    // browsers hide the status; Node's `eventsource` package exposes it as `code`
    // (200 there means a wrong Content-Type: no status to classify)
    const status = (e as Event & { code?: unknown }).code;
    if (typeof status === 'number' && status !== 200) return link.end(httpClose(status));
    const info = { code: 1006, reason: 'EventSource error', wasClean: false };
    // CONNECTING: the browser reconnects by itself. Let it, once per drop of an open stream.
    if (es.readyState === 0 && opened && !healing) {
      healing = true;
      return sink.lost(info, BROWSER_RETRY_MS);
    }
    link.end(info);
  };
  // server events named like the client's own events are delivered as messages (`open` and `error` above)
  for (const type of ['message', ...CONTROL, ...listened]) if (type !== 'open' && type !== 'error') link.transport.listen!(type);
  if (options.reliable) link.transport.listen!(RESET_EVENT);
  return link.transport;
}
