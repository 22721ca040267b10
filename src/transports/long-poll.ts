import { nextDelay } from '../policy/policy.js';
import { SseParser } from '../protocol/sse-parser.js';
import type { TransportFactory } from '../transport.js';
import { httpLink, readBody, sseEvent } from './http/link.js';
import { badContentType, getStream, httpClose, networkClose } from './http/request.js';

/**
 * Held long enough to count as held: a first poll pending this long without
 * failing opens the connection; an empty answer sooner than this is "at once".
 */
const HELD_MS = 1000;

/**
 * Fetch long-polling: `GET <url>?transport=long-poll&lastEventId=<id>`, one request
 * at a time, polling again at once with the newest id. A 200 body is read as an
 * event stream by the same parser as fetch-mode SSE; 204 means nothing new.
 *
 * A server or proxy that answers empty at once never makes the client spin: the
 * next poll then waits under the reconnect policy. An exchange that completes
 * normally (events, or an empty answer after a hold) proves the server healthy, as
 * does a poll that fails only after being held (a proxy's read timeout, 504), so a
 * proxy that cuts held polls does not grow the backoff.
 */
export const longPoll: TransportFactory = {
  name: 'long-poll',
  scheme: 'http',
  create(ctx) {
    const { url, options, sink } = ctx;
    let state = 0;
    let cursor = ctx.lastEventId;
    let origin = new URL(url).origin;
    let abort: AbortController | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let wait: ReturnType<typeof setTimeout> | undefined;
    let quick = 0;
    let events = 0;
    const open = (): void => {
      clearTimeout(settle);
      if (state) return;
      state = 1;
      sink.open();
    };
    const link = httpLink(
      ctx,
      () => state,
      () => {
        clearTimeout(settle);
        clearTimeout(deadline);
        clearTimeout(wait);
        abort?.abort();
      },
      () => cursor,
    );
    // one parser for every poll: each answer is a complete event stream of its own
    const deliver = sseEvent(ctx, () => origin);
    const parser = new SseParser({ event: (e) => (events++, deliver(e)), retry: (ms) => sink.retry(ms) }, cursor);
    // OPEN at the first answer, or once the first poll has been pending for a short
    // settle time without failing. A server may hold that poll longer than
    // connectTimeoutMs (it has nothing to say), so waiting for the answer would fail
    // healthy connections; while refused connections, DNS and CORS failures and quick
    // HTTP errors surface well within the settle time and still count as "never opened".
    const settle = setTimeout(open, Math.min(HELD_MS, options.connectTimeoutMs / 2));
    const poll = async (): Promise<void> => {
      const current = (abort = new AbortController());
      const started = Date.now();
      const held = (): boolean => Date.now() - started >= HELD_MS;
      const before = cursor;
      let timedOut = false;
      events = 0;
      parser.end();
      // the client's own deadline per request: expiring only means "poll again"
      deadline = setTimeout(() => {
        timedOut = true;
        current.abort();
      }, options.longPoll.timeoutMs);
      try {
        const res = await getStream(options, url, cursor, current.signal, { transport: 'long-poll' });
        if (link.ended) return;
        if (!res.ok) {
          if (held()) sink.proven();
          return link.end(httpClose(res.status, res.headers.get('retry-after')));
        }
        open();
        if (res.status !== 204 && res.body) {
          // an empty 200 without a Content-Type is "nothing" too; anything else must be an event stream
          const bad = res.headers.has('content-type') && badContentType(res);
          if (bad) return link.end(bad);
          origin = new URL(res.url || url).origin;
          // the cursor advances per chunk, so a poll cut short still resumes after what was delivered
          await readBody(res, parser, () => link.ended || sink.activity((cursor = parser.lastEventId)));
          cursor = parser.lastEventId;
        }
      } catch (error) {
        if (link.ended) return;
        if (!timedOut) {
          if (held()) sink.proven();
          return link.end(networkClose(error));
        }
      } finally {
        clearTimeout(deadline);
      }
      if (link.ended) return;
      sink.activity();
      if (events || cursor !== before || held()) {
        quick = 0;
        sink.proven();
        void poll();
      } else {
        // an empty answer at once: a misbehaving server or proxy; back off instead of spinning
        wait = setTimeout(() => void poll(), nextDelay(options.reconnect, ++quick));
      }
    };
    void poll();
    return link.transport;
  },
};
