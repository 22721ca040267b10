import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeClient, RealtimeError, type Options } from '../../src/entries/index.js';
import { RealtimeClient as LongPollOnlyClient } from '../../src/entries/long-poll.js';
import { once, startServer, type TestServer } from '../helpers/servers.js';
import {
  MODES, fast, hubServer, resumeUnderKills,
  type CloseEvent, type ErrorEvent, type ReconnectingEvent,
  expectFatal401,
} from '../helpers/http-transports.js';

const mode = MODES['long-poll'];
let server: TestServer | undefined;
let client: RealtimeClient | undefined;

function connect(url: string, options: Options = {}): RealtimeClient {
  client = new RealtimeClient(url, { reconnect: fast, ...mode, ...options });
  return client;
}

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

describe('long-poll against a real HTTP server', () => {
  it('polls with transport=long-poll, the cursor and Accept, delivering batches of events', async () => {
    const urls: string[] = [];
    const accepts: (string | undefined)[] = [];
    const h = await hubServer({}, (req) => {
      urls.push(req.url ?? '');
      accepts.push(req.headers.accept);
      return false;
    });
    server = h.server;
    const c = connect(h.url);
    const seen: [string, string, string][] = [];
    c.on('tick', (e) => seen.push([e.type, e.data as string, e.lastEventId]));
    c.on('message', (e) => seen.push([e.type, e.data as string, e.lastEventId]));
    await once(c, 'open');
    expect(c.readyState).toBe(c.OPEN);
    expect(c.transport).toBe('long-poll');
    h.hub.publish('tick', 'a');
    h.hub.publish('message', 'b\nc');
    await expect.poll(() => seen.length).toBe(2);
    expect(seen).toEqual([['tick', 'a', '1'], ['message', 'b\nc', '2']]);
    expect(c.lastEventId).toBe('2');
    // the first poll has no cursor; the hub hands one over (id 0), and every later poll carries the newest
    expect(urls.slice(0, 2)).toEqual(['/events?transport=long-poll', '/events?transport=long-poll&lastEventId=0']);
    await expect.poll(() => urls.at(-1)).toBe('/events?transport=long-poll&lastEventId=2');
    expect(new Set(accepts)).toEqual(new Set(['text/event-stream']));
  });

  it('a drop after the first cursor handoff, before any event, still resumes from that cursor', async () => {
    const h = await hubServer();
    server = h.server;
    h.hub.publish('message', 'old'); // history the client must not replay
    const c = connect(h.url);
    const seen: string[] = [];
    c.on('message', (e) => seen.push(e.data as string));
    await once(c, 'open');
    await expect.poll(() => c.lastEventId).toBe('1'); // the id-only handoff moved the client's cursor
    server.kill();
    await once(c, 'reconnecting');
    h.hub.publish('message', 'new'); // published while the client was away
    await expect.poll(() => seen).toEqual(['new']);
  });

  it('keeps polling through 204s and aborted-by-timeout polls without erroring', async () => {
    const urls: string[] = [];
    server = await startServer((req, res) => {
      urls.push(req.url ?? '');
      // one 204, one poll held past the client's timeout, one with an event, then held
      if (urls.length === 1) res.writeHead(204).end();
      if (urls.length === 3) res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end('id: 1\ndata: late\n\n');
    });
    const c = connect(`${server.http}/events`, { longPoll: { timeoutMs: 300 } });
    const closes: CloseEvent[] = [];
    const errors: ErrorEvent[] = [];
    c.on('close', (e) => closes.push(e));
    c.on('error', (e) => errors.push(e as ErrorEvent));
    const message = await once<MessageEvent>(c, 'message');
    expect(message.data).toBe('late');
    await expect.poll(() => urls.length).toBe(4);
    expect(urls.slice(1)).toEqual([
      '/events?transport=long-poll', // after the 204: still no cursor
      '/events?transport=long-poll', // after the timeout: polls again at once
      '/events?transport=long-poll&lastEventId=1',
    ]);
    expect(closes).toEqual([]);
    expect(errors).toEqual([]);
    expect(c.state).toBe('open');
  });

  it('opens while the server holds the first poll, before connectTimeoutMs', async () => {
    let held = 0;
    server = await startServer(() => {
      held++; // holds every poll forever
    });
    const c = connect(`${server.http}/events`, { connectTimeoutMs: 400 });
    const errors: ErrorEvent[] = [];
    c.on('error', (e) => errors.push(e as ErrorEvent));
    await once(c, 'open');
    await expect.poll(() => held).toBe(1);
    expect(errors).toEqual([]);
    expect(c.state).toBe('open');
  });

  it('resumes without loss or duplicates across repeated forced disconnects', async () => {
    const report = await resumeUnderKills(mode);
    console.info('long-poll resume under kills:', report);
    expect(report.kills).toBe(8);
    expect(report).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, received: 300 });
  });

  it('treats 401 as fatal: one request, no reconnect', async () => {
    server = await expectFatal401((url) => connect(url));
  });

  it('honours Retry-After of a 503 mid-connection as the delay floor', async () => {
    let polls = 0;
    const h = await hubServer({}, (_req, res) => {
      if (++polls !== 2) return false;
      res.writeHead(503, { 'Retry-After': '2' }).end();
      return true;
    });
    server = h.server;
    const c = connect(h.url);
    await once(c, 'open');
    const reconnecting = await once<ReconnectingEvent>(c, 'reconnecting');
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(2000);
    expect(reconnecting.reason).toBe('HTTP 503');
    c.reconnect();
    await once(c, 'open');
  });

  it('network errors close and reconnect under the policy', async () => {
    const h = await hubServer();
    server = h.server;
    const c = connect(h.url);
    await once(c, 'open');
    const close = once<CloseEvent>(c, 'close');
    const error = once<ErrorEvent>(c, 'error');
    await h.server.stop();
    // fetch rejects with a bare TypeError; listeners get a typed error with it as the cause
    const { error: typed } = await error;
    expect(typed).toBeInstanceOf(RealtimeError);
    expect(typed.type).toBe('network');
    expect((typed as Error & { cause: unknown }).cause).toBeInstanceOf(TypeError);
    expect((await close).willReconnect).toBe(true);
    await once(c, 'reconnecting');
    expect(c.readyState).toBe(c.CONNECTING);
    await h.server.start();
    await once(c, 'open');
  });

  it('close() aborts the held poll, with exactly one close event', async () => {
    const h = await hubServer();
    server = h.server;
    const c = connect(h.url);
    const closes: CloseEvent[] = [];
    c.on('close', (e) => closes.push(e));
    await once(c, 'open');
    await expect.poll(() => h.hub.connections).toBe(1);
    c.close();
    expect(closes.map((e) => [e.code, e.willReconnect])).toEqual([[1005, false]]);
    await expect.poll(() => h.hub.connections).toBe(0);
  });

  it('the pushline/long-poll entry works on its own', async () => {
    const h = await hubServer();
    server = h.server;
    const c = new LongPollOnlyClient(h.url, { reconnect: fast });
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
