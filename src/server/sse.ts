// Server-Sent Events: one long response per client. The status line waits for
// the cursor's answer from the log, so a log that is down is a 503 the client
// can back off from, not a stream that opens and stays silent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, cursorOf, sessionOf, writable, type Context, type StreamEntry } from './context.js';
import { sseCursor, sseEvent, sseReset } from './frames.js';

/** The headers of every event-stream answer. `X-Accel-Buffering` stops nginx from holding events back. */
export const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
} as const;

/** A `retry:` value drawn for this connection, so reconnects after a restart spread over the range. */
const drawRetry = ([min, max]: readonly [number, number]): number => min + Math.floor(Math.random() * (max - min + 1));

/** Serves one SSE stream. */
export function serveSse(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const cursor = cursorOf(req, url);
  const sessionId = sessionOf(url);
  const connectionId = ctx.nextId();
  const stream: StreamEntry = { res, written: false };
  let opened = false;

  const write = (chunk: string | Buffer): void => {
    if (res.destroyed) return;
    stream.written = true;
    res.write(chunk);
    // a client that does not read: drop it rather than buffer without bound; it resumes later
    if (res.writableLength > ctx.options.maxBufferedBytes) res.destroy();
  };

  const consumer = ctx.feed.join(cursor, {
    begin(reset, head, resumed) {
      if (res.destroyed) return;
      res.writeHead(200, STREAM_HEADERS);
      let first = `retry: ${drawRetry(ctx.options.retryMs)}\n:ok\n\n`;
      if (reset) first += sseReset(reset, head);
      // no cursor: hand over the head at once, so a drop before the first event loses nothing
      else if (!resumed) first += sseCursor(head);
      write(first);
      opened = true;
      ctx.streams.add(stream);
      void ctx.events.emit('connection', { connectionId, sessionId, transport: 'sse', protocol: '', req });
    },
    deliver(entries) {
      if (entries.length === 1) return write(sseEvent(entries[0]!));
      write(Buffer.concat(entries.map(sseEvent)));
    },
    fail() {
      if (res.headersSent) res.end();
      else answer(res, 503, { 'Retry-After': '1' });
    },
    drained: () => writable(res, ctx.options.maxBufferedBytes / 2),
  }, sessionId);

  res.on('close', () => {
    consumer.leave();
    ctx.streams.delete(stream);
    if (opened) void ctx.events.emit('disconnect', { connectionId, sessionId, transport: 'sse', code: undefined });
  });
}
