// Client sends over HTTP: `POST <path>[?sessionId=<id>&seq=<n>]`. A 2xx means
// stored (the listeners ran and settled); a seq already stored gets its 2xx
// again without running them twice. Bodies are read up to maxMessageBytes and
// no further.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, sessionOf, type Context } from './context.js';
import { ListenerFailed, validSessionId } from './inbound.js';

/** Whether a body of this type is delivered as text (the client sends strings as `text/plain`). */
function isText(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/x-www-form-urlencoded';
}

/** Serves one POSTed send. */
export function serveSend(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const sessionId = sessionOf(url);
  const rawSeq = url.searchParams.get('seq');
  const seq = rawSeq === null || rawSeq === '' ? undefined : Number(rawSeq);
  if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 1)) return refuse(res, req, 400, 'seq must be an integer >= 1');
  if (seq !== undefined && sessionId === undefined) return refuse(res, req, 400, 'seq needs a sessionId');
  if (sessionId !== undefined && !validSessionId(sessionId)) return refuse(res, req, 400, 'sessionId must be 1-128 printable ASCII characters');
  const max = ctx.options.maxMessageBytes;
  const declared = Number(req.headers['content-length']);
  if (declared > max) return refuse(res, req, 413, `body over ${max} bytes`);

  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > max) {
      over = true;
      chunks.length = 0;
      refuse(res, req, 413, `body over ${max} bytes`);
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (over || res.destroyed) return;
    const body = Buffer.concat(chunks, size);
    const data = isText(req.headers['content-type']) ? body.toString('utf8') : body;
    ctx.receive({ sessionId, seq, data, transport: 'http', connectionId: ctx.nextId(), req }).then(
      () => answer(res, 204),
      (error: unknown) => {
        // nothing was stored: the client posts it again after Retry-After
        if (error instanceof ListenerFailed) return answer(res, 500, { 'Retry-After': '1' });
        ctx.report(error, 'request');
        answer(res, 503, { 'Retry-After': '1' });
      },
    );
  });
}

/** Answers an error and closes the connection, so an unread body is not read just to be thrown away. */
function refuse(res: ServerResponse, req: IncomingMessage, status: number, message: string): void {
  res.setHeader('Connection', 'close');
  answer(res, status, {}, message);
  req.on('error', () => {});
  req.resume();
}
