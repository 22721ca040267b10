import { httpClose, networkClose } from './http/request.js';
import { SseParser } from '../protocol/sse-parser.js';
import type { TransportFactory } from '../transport.js';
import { badContentType, getStream, httpLink, readBody } from './http/link.js';

/** Longest wait for a first answer before a pending poll counts as accepted (see `create`). */
const SETTLE_MS = 1000;

/**
 * Fetch long-polling (SPEC §4): `GET <url>?transport=long-poll&lastEventId=<id>`,
 * one request at a time, polling again at once with the newest id. A 200 body is
 * read as an event stream by the same parser as fetch-mode SSE; 204 means nothing new.
 */
export const longPoll: TransportFactory = {
  name: 'long-poll',
  scheme: 'http',
  create(ctx) {
    const { url, options, sink } = ctx;
    let state = 0;
    let cursor = ctx.lastEventId;
    let abort: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
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
        clearTimeout(timer);
        abort?.abort();
      },
      () => cursor,
    );
    // OPEN at the first answer, or once the first poll has been pending for a short
    // settle time without failing. A server may hold that poll longer than
    // connectTimeoutMs (it has nothing to say), so waiting for the answer would fail
    // healthy connections; while refused connections, DNS and CORS failures and quick
    // HTTP errors surface well within the settle time and still count as "never opened".
    const settle = setTimeout(open, Math.min(SETTLE_MS, options.connectTimeoutMs / 2));
    const poll = async (): Promise<void> => {
      while (!link.ended) {
        const current = (abort = new AbortController());
        let timedOut = false;
        // the client's own deadline per request: expiring only means "poll again"
        timer = setTimeout(() => {
          timedOut = true;
          current.abort();
        }, options.longPoll.timeoutMs);
        try {
          const res = await getStream(options, url, cursor, current.signal, { transport: 'long-poll' });
          if (link.ended) return;
          if (!res.ok) return link.end(httpClose(res.status, res.headers.get('retry-after')));
          open();
          sink.activity();
          if (res.status === 204) continue;
          // an empty 200 without a Content-Type is "nothing" too; anything else must be an event stream
          const bad = res.headers.has('content-type') && badContentType(res);
          if (bad) return link.end(bad);
          const origin = new URL(res.url || url).origin;
          const parser = new SseParser(
            {
              event: (e) => sink.message(e.type, e.data, e.lastEventId, origin),
              retry: (ms) => sink.retry(ms),
            },
            cursor,
          );
          // the cursor advances per chunk, so a poll cut short still resumes after what was delivered
          if (res.body) await readBody(res, parser, () => sink.activity((cursor = parser.lastEventId)));
          cursor = parser.lastEventId;
        } catch (error) {
          if (!timedOut) return link.end(networkClose(error));
        } finally {
          clearTimeout(timer);
        }
      }
    };
    void poll();
    return link.transport;
  },
};
