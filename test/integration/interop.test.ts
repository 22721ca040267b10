/**
 * Servers that are not ours (issue 11): each one does exactly what the item says and
 * nothing more, and the client must neither lose data nor spin nor hang against it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, type WebSocket as ServerSocket } from 'ws';
import { RealtimeClient, UploadError, type Options } from '../../src/entries/index.js';
import { fast, MODES } from '../helpers/http-transports.js';
import { once, startServer, type TestServer } from '../helpers/servers.js';

let server: TestServer | undefined;
let client: RealtimeClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});
const connect = (url: string, options: Options): RealtimeClient => (client = new RealtimeClient(url, { reconnect: fast, ...options }));

/**
 * An event stream whose ids are not ASCII. It resumes from the query parameter or
 * the header, decoding the header's bytes as UTF-8 the way servers read what
 * EventSource sends. Long-poll: `transport=long-poll` answers what is after the cursor.
 */
async function unicodeIdServer(ids: string[]): Promise<{ server: TestServer; cursors: Array<string | undefined> }> {
  const cursors: Array<string | undefined> = [];
  const s = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = req.headers['last-event-id'];
    const cursor = url.searchParams.get('lastEventId') ?? (typeof header === 'string' ? Buffer.from(header, 'latin1').toString('utf8') : undefined);
    cursors.push(cursor);
    const from = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
    const body = ids.slice(from, from + 2).map((id) => `id: ${id}\ndata: ${id}\n\n`).join('');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // one or two events, then the stream ends: every event costs a reconnect
    res.end(body);
  });
  return { server: s, cursors };
}

describe('non-ASCII event ids never break a resume', () => {
  const ids = ['1…', '2 日本', '3 ü', '4 \u{1F600}', '5 end'];
  it.each(['fetch SSE', 'long-poll'] as const)('%s resumes through every id', async (mode) => {
    const h = await unicodeIdServer(ids);
    server = h.server;
    const c = connect(`${server.http}/events`, MODES[mode]);
    const seen: string[] = [];
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.error.message));
    await new Promise<void>((resolve) =>
      c.on('message', (e) => {
        seen.push(String(e.data));
        if (e.data === '5 end') resolve();
      }),
    );
    expect(seen).toEqual(ids);
    expect(c.lastEventId).toBe('5 end');
    // the header (in Node every request is "same-origin") arrives as the id's UTF-8 bytes
    expect(h.cursors.filter((x) => x !== undefined).every((x) => ids.includes(x!))).toBe(true);
    expect(errors.filter((m) => /ByteString|header/i.test(m))).toEqual([]);
  });
});

describe('send() input', () => {
  it('a value that cannot be sent throws a TypeError from send() itself; the queue keeps going', async () => {
    server = await startServer();
    const got: string[] = [];
    server.wss.on('connection', (ws) => ws.on('message', (d) => got.push(String(d))));
    const c = connect(server.ws, { WebSocket: NodeWebSocket as unknown as typeof WebSocket, transports: ['websocket'] });
    c.send('before');
    for (const bad of [Symbol('x'), 42, { a: 1 }, null, undefined]) expect(() => c.send(bad as never)).toThrowError(TypeError);
    c.send('after');
    await expect.poll(() => got).toEqual(['before', 'after']);
  });
});

describe('upload against a misbehaving server', () => {
  /** A server for the upload socket only: `script` answers each parsed client message. */
  async function uploadServer(script: (ws: ServerSocket, m: { type: string; id: string }) => void): Promise<void> {
    server = await startServer();
    server.wss.on('connection', (ws) => ws.on('message', (data, binary) => binary || script(ws, JSON.parse(String(data)))));
  }
  const uploader = (options: Options = {}): RealtimeClient =>
    connect(server!.ws, { WebSocket: NodeWebSocket as unknown as typeof WebSocket, autoConnect: false, connectTimeoutMs: 300, reconnect: { ...fast, maxAttempts: 2 }, ...options });

  it.each([
    ['answers start with malformed JSON', (ws: ServerSocket) => ws.send('{ready')],
    ['answers with a message for another id', (ws: ServerSocket) => ws.send(JSON.stringify({ type: 'ready', id: 'other', offset: 0 }))],
    ['says ready with an offset beyond the size', (ws: ServerSocket, id: string) => ws.send(JSON.stringify({ type: 'ready', id, offset: 99 }))],
    ['says ready, then acks beyond the size', (ws: ServerSocket, id: string) => {
      ws.send(JSON.stringify({ type: 'ready', id, offset: 0 }));
      ws.send(JSON.stringify({ type: 'ack', id, offset: 31 * 1024 * 1024 }));
    }],
    ['reports done with the wrong size', (ws: ServerSocket, id: string) => {
      ws.send(JSON.stringify({ type: 'ready', id, offset: 10 }));
      ws.send(JSON.stringify({ type: 'done', id, size: 3, sha256: 'x' }));
    }],
  ])('rejects with an UploadError when the server %s', async (_name, answer) => {
    await uploadServer((ws, m) => m.type === 'start' && answer(ws, m.id));
    const c = uploader();
    await expect(c.upload(new Uint8Array(10), { id: 'u' })).rejects.toBeInstanceOf(UploadError);
  });

  it('never sends ready: each attempt gives up after connectTimeoutMs, then the upload fails', async () => {
    const starts: number[] = [];
    await uploadServer((_ws, m) => m.type === 'start' && starts.push(1));
    await expect(uploader().upload(new Uint8Array(10), { id: 'u' })).rejects.toBeInstanceOf(UploadError);
    expect(starts.length).toBe(3); // the first attempt and maxAttempts (2) more
  });

  it('goes silent after the last ack: the socket is abandoned and the upload resumes where the server is', async () => {
    let sockets = 0;
    await uploadServer((ws, m) => {
      if (m.type === 'start') {
        sockets++;
        ws.send(JSON.stringify({ type: 'ready', id: m.id, offset: sockets === 1 ? 0 : 10 }));
        ws.send(JSON.stringify({ type: 'ack', id: m.id, offset: 10 }));
      }
      // the first socket never answers `end`; the second does
      if (m.type === 'end' && sockets > 1) ws.send(JSON.stringify({ type: 'done', id: m.id, size: 10, sha256: 'ab' }));
    });
    const result = await uploader({ reconnect: fast }).upload(new Uint8Array(10), { id: 'u' });
    expect(result).toEqual({ id: 'u', size: 10, sha256: 'ab' });
    expect(sockets).toBe(2);
  });
});

describe('server hints are capped', () => {
  it.each([['99999999999', 'parks the client for years'], ['4294967297', 'overflows a browser timer']])(
    'retry: %s (%s) waits maxHintMs at most',
    async (retry) => {
      server = await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`retry: ${retry}\n\n`);
      });
      const c = connect(`${server.http}/events`, { ...MODES['fetch SSE'], reconnect: { ...fast, maxHintMs: 5000 } });
      const e = await once<Event & { delayMs: number }>(c, 'reconnecting');
      expect(e.delayMs).toBe(5000);
    },
  );
});
