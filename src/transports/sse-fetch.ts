import { SseParser } from '../protocol/sse-parser.js';
import type { Transport, TransportContext } from '../transport.js';
import { httpLink, readBody, sseEvent } from './http/link.js';
import { badContentType, getStream, httpClose, networkClose } from './http/request.js';

/**
 * SSE read with fetch: custom headers, the cursor rules, HTTP statuses classified
 * by the policy (204 stops, as in the EventSource standard), `retry:` as a backoff
 * floor, comments and every other byte proving liveness.
 */
export function fetchSse(ctx: TransportContext): Transport {
  const { url, lastEventId, options, sink } = ctx;
  const abort = new AbortController();
  let state = 0;
  let origin = new URL(url).origin;
  const parser = new SseParser({ event: sseEvent(ctx, () => origin), retry: (ms) => sink.retry(ms) }, lastEventId);
  const link = httpLink(ctx, () => state, () => abort.abort(), () => parser.lastEventId);
  void (async () => {
    try {
      const res = await getStream(options, url, lastEventId, abort.signal);
      if (link.ended) return;
      // only 200 opens a stream (EventSource standard); 204 and the 4xx of the table are fatal
      if (res.status !== 200) return link.end(httpClose(res.status, res.headers.get('retry-after')));
      const bad = badContentType(res);
      if (bad) return link.end(bad);
      origin = new URL(res.url || url).origin;
      state = 1;
      sink.open();
      await readBody(res, parser, () => link.ended || sink.activity(parser.lastEventId));
      link.end({ code: 1006, reason: 'stream ended', wasClean: false });
    } catch (error) {
      link.end(networkClose(error));
    }
  })();
  return link.transport;
}
