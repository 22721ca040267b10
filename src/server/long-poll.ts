// Long-polling: one request per batch. Held until the log has something after
// the cursor or the hold runs out (204). A poll without a cursor is answered at
// once with the head as an id-only block: the client's next poll then resumes
// from exactly there, so nothing published between two polls is missed (a
// reliable session's poll without a cursor resumes from the session's origin).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, cursorOf, sessionOf, type Context } from './context.js';
import type { Consumer } from './feed.js';
import { sseCursor, sseEvent, sseReset } from './frames.js';
import { STREAM_HEADERS } from './sse.js';

/** Serves one long-poll request. */
export function serveLongPoll(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const cursor = cursorOf(req, url);
  const sessionId = sessionOf(url);
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  let consumer: Consumer | undefined;

  const finish = (status: number, body: string | Buffer = ''): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    consumer?.leave();
    ctx.polls.delete(finish);
    if (res.destroyed || status === 0) return;
    if (status === 200) res.writeHead(200, STREAM_HEADERS).end(body);
    else answer(res, status, status === 503 ? { 'Retry-After': '1' } : {});
  };

  const hold = (from: string): void => {
    ctx.polls.add(finish);
    timer = setTimeout(() => finish(204), ctx.options.holdMs);
    consumer = ctx.feed.join(from, {
      begin(reset, head) {
        if (reset) finish(200, sseReset(reset, head));
      },
      deliver(entries) {
        // the rest comes with the next poll, which starts from the last id sent here
        const batch = entries.length > ctx.options.maxBatch ? entries.slice(0, ctx.options.maxBatch) : entries;
        finish(200, Buffer.concat(batch.map(sseEvent)));
      },
      fail() {
        finish(503);
      },
    });
  };

  if (cursor !== undefined) hold(cursor);
  else {
    // no cursor: the head at once (a reliable session resumes from its origin instead)
    const sessions = ctx.options.log.sessions;
    ctx.options.log
      .read(undefined, 1)
      .then(async ({ head }) => [head, sessionId ? await sessions.origin(sessionId, head) : head] as const)
      .then(
        ([head, from]) => {
          if (finished) return;
          if (from === head) finish(200, sseCursor(head));
          else hold(from);
        },
        (error: unknown) => {
          ctx.report(error, 'log');
          finish(503);
        },
      );
  }
  res.on('close', () => finish(0));
}
