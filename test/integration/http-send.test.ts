import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeClient } from '../../src/entries/index.js';
import { once, type TestServer } from '../helpers/servers.js';
import { MODES, fast, hubServer, type ErrorEvent } from '../helpers/http-transports.js';

let server: TestServer | undefined;
let client: RealtimeClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('HTTP sends over %s', (name) => {
  const mode = MODES[name];

  it('POSTs in order, exactly once, while the server fails every third POST with 503', async () => {
    let posts = 0;
    const h = await hubServer({}, (req, res) => {
      if (req.method !== 'POST' || ++posts % 3) return false;
      res.writeHead(503, { 'Access-Control-Allow-Origin': '*' }).end();
      return true;
    });
    server = h.server;
    const c = (client = new RealtimeClient(h.url, { reconnect: fast, ...mode }));
    const errors: ErrorEvent[] = [];
    c.on('error', (e) => errors.push(e as ErrorEvent));
    const expected = Array.from({ length: 30 }, (_, i) => `m${i}`);
    // half queued before OPEN, half sent while open
    for (const m of expected.slice(0, 15)) expect(c.send(m)).toBe(true);
    await once(c, 'open');
    for (const m of expected.slice(15)) expect(c.send(m)).toBe(true);
    await expect.poll(() => h.hub.received.length, { timeout: 10000 }).toBe(30);
    expect(h.hub.received.map((m) => m.data)).toEqual(expected);
    // the server has the last POST before its answer reaches the client, which only then lets it go
    await expect.poll(() => c.bufferedAmount).toBe(0);
    // every refused POST was reported and retried; none were lost or repeated
    expect(posts).toBe(44);
    expect(errors.length).toBe(14);
    expect(errors.every((e) => e.error.name === 'HttpStatusError')).toBe(true);
  });

  it('sends text as text/plain;charset=UTF-8 and binary as application/octet-stream, with the cursor', async () => {
    const urls: string[] = [];
    const h = await hubServer({}, (req) => {
      if (req.method === 'POST') urls.push(`${req.url} ${req.headers['last-event-id']}`);
      return false;
    });
    server = h.server;
    const c = (client = new RealtimeClient(h.url, { reconnect: fast, ...mode }));
    await once(c, 'open');
    const m = once(c, 'message');
    h.hub.publish('message', 'x');
    await m;
    c.send('h\u00e9');
    c.send(Uint8Array.of(0, 255, 7));
    await expect.poll(() => h.hub.received.length).toBe(2);
    expect(h.hub.received[0]).toEqual({ data: 'h\u00e9', contentType: 'text/plain;charset=UTF-8' });
    expect(h.hub.received[1]).toEqual({ data: Buffer.from([0, 255, 7]), contentType: 'application/octet-stream' });
    expect(urls).toEqual(['/events?lastEventId=1 1', '/events?lastEventId=1 1']);
  });

  it('POSTs to sendUrl when given', async () => {
    const paths: string[] = [];
    const h = await hubServer({}, (req, res) => {
      if (req.method !== 'POST') return false;
      paths.push(new URL(req.url ?? '', 'http://x').pathname);
      if (paths.at(-1) !== '/inbox') return false;
      res.writeHead(204).end();
      return true;
    });
    server = h.server;
    const c = (client = new RealtimeClient(h.url, { reconnect: fast, ...mode, sendUrl: `${h.server.http}/inbox` }));
    await once(c, 'open');
    c.send('to the inbox');
    await expect.poll(() => paths).toEqual(['/inbox']);
    expect(h.hub.received).toEqual([]);
  });
});
