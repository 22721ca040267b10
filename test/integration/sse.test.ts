import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { RealtimeClient as SseOnlyClient } from '../../src/entries/sse.js';
import { once, startServer, type TestServer } from '../helpers/servers.js';
import {
  MODES, fast, hubServer, resumeUnderKills,
  type CloseEvent, type ErrorEvent, type ReconnectingEvent,
  expectFatal401,
} from '../helpers/http-transports.js';

let server: TestServer | undefined;
let client: RealtimeClient | undefined;

function connect(url: string, options: Options): RealtimeClient {
  client = new RealtimeClient(url, { reconnect: fast, ...options });
  return client;
}

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

describe.each(['native SSE', 'fetch SSE'] as const)('%s against a real HTTP server', (name) => {
  const mode = MODES[name];

  it('opens, mirrors readyState and receives messages and custom event types with ids', async () => {
    const h = await hubServer();
    server = h.server;
    const c = connect(h.url, mode);
    const ticks: MessageEvent[] = [];
    c.on('tick', (e) => ticks.push(e));
    expect(c.readyState).toBe(c.CONNECTING);
    await once(c, 'open');
    expect(c.readyState).toBe(c.OPEN);
    expect(c.transport).toBe('sse');
    const message = once<MessageEvent>(c, 'message');
    h.hub.publish('tick', 'one\ntwo');
    h.hub.publish('message', 'hello');
    const m = await message;
    expect(m.data).toBe('hello');
    expect(m.lastEventId).toBe('2');
    expect(m.origin).toBe(server.http);
    expect(ticks.map((e) => [e.type, e.data, e.lastEventId])).toEqual([['tick', 'one\ntwo', '1']]);
    expect(c.lastEventId).toBe('2');
  });

  it('delivers event types first listened to while open, and again after a reconnect', async () => {
    const h = await hubServer();
    server = h.server;
    const c = connect(h.url, mode);
    await once(c, 'open');
    const late = once<MessageEvent>(c, 'late');
    h.hub.publish('late', 'a');
    expect((await late).data).toBe('a');
    h.server.kill();
    await once(c, 'open');
    const again = once<MessageEvent>(c, 'late');
    h.hub.publish('late', 'b');
    expect((await again).data).toBe('b');
  });

  it('resumes without loss or duplicates across repeated forced disconnects', async () => {
    const report = await resumeUnderKills(mode);
    console.info(`${name} resume under kills:`, report);
    expect(report.kills).toBe(8);
    expect(report).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, received: 300 });
  });

  it('treats 401 as fatal: one request, no reconnect', async () => {
    server = await expectFatal401((url) => connect(url, mode));
  });

  it('stops for good on 204', async () => {
    let requests = 0;
    server = await startServer((_req, res) => {
      requests++;
      res.writeHead(204).end();
    });
    const c = connect(`${server.http}/events`, mode);
    const close = await once<CloseEvent>(c, 'close');
    expect(close.willReconnect).toBe(false);
    expect(c.state).toBe('closed');
    expect(requests).toBe(1);
  });

  it('close() ends the stream with exactly one close event', async () => {
    const h = await hubServer();
    server = h.server;
    const c = connect(h.url, mode);
    const closes: CloseEvent[] = [];
    c.on('close', (e) => closes.push(e));
    await once(c, 'open');
    expect(h.hub.connections).toBe(1);
    c.close(4000, 'bye');
    c.close();
    expect(closes.map((e) => [e.code, e.reason, e.willReconnect])).toEqual([[4000, 'bye', false]]);
    expect(c.readyState).toBe(c.CLOSED);
    await expect.poll(() => h.hub.connections).toBe(0);
  });

  it('the pushline/sse entry works on its own', async () => {
    const h = await hubServer();
    server = h.server;
    const c = new SseOnlyClient(h.url, { reconnect: fast, ...mode });
    try {
      await once(c, 'open');
      const m = once<MessageEvent>(c, 'message');
      h.hub.publish('message', 'solo');
      expect((await m).data).toBe('solo');
    } finally {
      c.close();
    }
  });
});

describe('native SSE specifics', () => {
  it("lets EventSource make the first reconnection (Last-Event-ID header), then takes over with the query cursor", async () => {
    const requests: Array<[string, string | undefined]> = [];
    const h = await hubServer({ retryMs: 10 }, (req) => {
      requests.push([req.url ?? '', req.headers['last-event-id'] as string | undefined]);
      return false;
    });
    server = h.server;
    const c = connect(h.url, MODES['native SSE']);
    await once(c, 'open');
    const m = once(c, 'message');
    h.hub.publish('message', 'x');
    await m;
    // a drop with the server up: the EventSource reconnects by itself, sending the header
    const reconnecting = once<ReconnectingEvent>(c, 'reconnecting');
    h.server.kill();
    expect((await reconnecting).attempt).toBe(1);
    expect([c.state, c.readyState]).toEqual(['reconnecting', 0]);
    await once(c, 'open');
    expect(requests).toEqual([['/events', undefined], ['/events', '1']]);
    // the server goes away: the EventSource's own attempt (2) fails, the client's policy continues (3)
    const third = once<ReconnectingEvent>(c, 'reconnecting', (e) => e.attempt === 3);
    await h.server.stop();
    await third;
    await h.server.start();
    await once(c, 'open');
    expect(requests.at(-1)).toEqual(['/events?lastEventId=1', undefined]);
  });
});

describe('fetch SSE specifics', () => {
  const mode = MODES['fetch SSE'];

  it('sends headers, Accept, the query cursor and Last-Event-ID on resume', async () => {
    const requests: IncomingMessage[] = [];
    const h = await hubServer({}, (req) => {
      requests.push(req);
      return false;
    });
    server = h.server;
    let token = 0;
    const c = connect(h.url, { ...mode, headers: () => ({ Authorization: `Bearer ${++token}` }) });
    await once(c, 'open');
    const m = once(c, 'message');
    h.hub.publish('message', 'x');
    await m;
    h.server.kill();
    await once(c, 'open');
    expect(requests.map((r) => [r.url, r.headers.authorization, r.headers.accept, r.headers['last-event-id']])).toEqual([
      ['/events', 'Bearer 1', 'text/event-stream', undefined],
      ['/events?lastEventId=1', 'Bearer 2', 'text/event-stream', '1'],
    ]);
  });

  it('honours Retry-After of a 503 as the delay floor', async () => {
    let refused = 0;
    const h = await hubServer({}, (_req, res) => {
      if (refused++) return false;
      res.writeHead(503, { 'Retry-After': '3' }).end();
      return true;
    });
    server = h.server;
    const c = connect(h.url, mode);
    const error = once<ErrorEvent>(c, 'error');
    const reconnecting = await once<ReconnectingEvent>(c, 'reconnecting');
    expect((await error).error).toMatchObject({ status: 503 });
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(3000);
    // the floor is proven; no need to sit through it
    c.reconnect();
    await once(c, 'open');
  });

  it('honours the retry: field as the delay floor', async () => {
    const h = await hubServer({ retryMs: 700 });
    server = h.server;
    const c = connect(h.url, mode);
    await once(c, 'open');
    const reconnecting = once<ReconnectingEvent>(c, 'reconnecting');
    h.server.kill();
    expect((await reconnecting).delayMs).toBeGreaterThanOrEqual(700);
  });

  it('closes with a ProtocolError on a wrong Content-Type and retries', async () => {
    let requests = 0;
    server = await startServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>portal</p>');
    });
    const c = connect(`${server.http}/events`, mode);
    const error = await once<ErrorEvent>(c, 'error');
    expect(error.error).toMatchObject({ name: 'ProtocolError' });
    const close = await once<CloseEvent>(c, 'close');
    expect(close.willReconnect).toBe(true);
    await expect.poll(() => requests).toBeGreaterThan(1);
  });

  it('comments keep an idle connection alive; silence fails it (idleTimeoutMs)', async () => {
    let written = 0;
    let silent = false;
    let wroteEnough: () => void = () => {};
    const enough = new Promise<void>((resolve) => (wroteEnough = resolve));
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' }).write(':hi\n\n');
      // comments only, never an event: the server drives the pace, the test only counts
      const tick = setInterval(() => {
        if (silent) return;
        res.write(':\n\n');
        if (++written === 100) wroteEnough();
      }, 20);
      res.on('close', () => clearInterval(tick));
    });
    // the idle limit is 50 comment periods, so only a stalled machine could miss it
    const c = connect(`${server.http}/events`, { ...mode, idleTimeoutMs: 1000 });
    const errors: ErrorEvent[] = [];
    c.on('error', (e) => errors.push(e as ErrorEvent));
    await once(c, 'open');
    await enough; // 100 comments: two idle windows without a single event
    expect(errors).toEqual([]);
    expect(c.state).toBe('open');
    silent = true;
    const error = await once<ErrorEvent>(c, 'error');
    expect(error.error.name).toBe('HeartbeatTimeoutError');
  });
});
