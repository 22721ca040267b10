import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Registry } from '../../src/client/client.js';
import type { Options } from '../../src/policy/options.js';
import type { UrlInput } from '../../src/types.js';
import { fakeFactory, record, TestClient } from '../helpers/fake-transport.js';

let ws: ReturnType<typeof fakeFactory>;
let http: ReturnType<typeof fakeFactory>;
let registry: Registry;
const noJitter = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 'none', minUptimeMs: 5000 } as const;

beforeEach(() => {
  vi.useFakeTimers();
  ws = fakeFactory('websocket');
  http = fakeFactory('sse', false);
  registry = { transports: [ws, http], defaults: ['websocket'] };
});
afterEach(() => vi.useRealTimers());

const make = <In = unknown>(options: Options<In> = {}, url: UrlInput = 'ws://127.0.0.1:1/x'): TestClient<In> =>
  new TestClient<In>(url, { reconnect: noJitter, ...options }, registry);
const detail = (key: string) => (e: Event) => String((e as unknown as Record<string, unknown>)[key]);

describe('state and readyState', () => {
  it('goes connecting -> open -> reconnecting (CONNECTING, never CLOSED) -> connecting -> open', async () => {
    const c = make();
    expect([c.state, c.readyState]).toEqual(['connecting', 0]); // at once, like new WebSocket()
    const states = record(c, ['statechange'], (e) => `${detail('state')(e)}/${detail('readyState')(e)}`);
    const connecting = record(c, ['connecting'], (e) => `${detail('transport')(e)}#${detail('attempt')(e)}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(connecting).toEqual(['connecting:websocket#0']); // listeners added after new catch the first attempt
    expect(c.readyState).toBe(0);
    ws.last().open();
    expect([c.readyState, c.state, c.transport]).toEqual([1, 'open', 'websocket']);
    ws.last().end();
    expect([c.readyState, c.state, c.transport]).toEqual([0, 'reconnecting', null]);
    await vi.advanceTimersByTimeAsync(100);
    ws.last().open();
    expect(states).toEqual([
      'statechange:connecting/0', 'statechange:open/1', 'statechange:reconnecting/0', 'statechange:connecting/0', 'statechange:open/1',
    ]);
    expect(c.CLOSING).toBe(2);
    expect(TestClient.CLOSED).toBe(3);
  });

  it("mirrors the live transport's own state (a server-initiated CLOSING)", async () => {
    const c = make();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ws.last().readyState = 2;
    expect(c.readyState).toBe(2);
  });
});

describe('close()', () => {
  const closes = (c: EventTarget) => record(c, ['close'], (e) => `${detail('code')(e)}/${detail('willReconnect')(e)}`);

  it('in CONNECTING: closes the transport, one close event, CLOSED', async () => {
    const c = make();
    const log = closes(c);
    await vi.advanceTimersByTimeAsync(0);
    c.close(4000, 'bye');
    expect(c.readyState).toBe(2);
    expect(ws.last().closedWith).toEqual([4000, 'bye']);
    await vi.advanceTimersByTimeAsync(0);
    c.close();
    expect(log).toEqual(['close:4000/false']);
    expect(c.readyState).toBe(3);
  });

  it('while waiting to reconnect: no transport to close, one close event, no further attempt', async () => {
    const c = make();
    const log = closes(c);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end();
    c.close(1000);
    c.close(3001);
    await vi.advanceTimersByTimeAsync(10000);
    expect(ws.made).toHaveLength(1);
    expect(log).toEqual(['close:1006/true', 'close:1000/false']);
    expect(c.state).toBe('closed');
  });

  it('while the url function is pending: the attempt is abandoned', async () => {
    let release!: (u: string) => void;
    const c = make({}, () => new Promise<string>((r) => (release = r)));
    const log = closes(c);
    await vi.advanceTimersByTimeAsync(0);
    expect(release).toBeTypeOf('function'); // the url function is now pending
    c.close();
    release('ws://127.0.0.1:1/');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.made).toHaveLength(0);
    expect(log).toEqual(['close:1005/false']);
  });

  it('validates before doing anything, and the client stays usable after a bad call', async () => {
    const c = make();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    expect(() => c.close(1001)).toThrowError(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => c.close(1000, 'x'.repeat(124))).toThrowError(expect.objectContaining({ name: 'SyntaxError' }));
    expect(c.readyState).toBe(1);
    c.close(undefined, 'reason only');
    expect(ws.last().closedWith).toEqual([1000, 'reason only']);
  });

  it('does not wait forever for a peer that never finishes the closing handshake', async () => {
    const c = make({ connectTimeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ws.last().close = () => {}; // a half-open peer: no close event will ever come
    c.close();
    expect(c.readyState).toBe(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(c.readyState).toBe(3);
  });

  it('makes send() throw InvalidStateError until connect()', async () => {
    const c = make();
    c.close();
    expect(() => c.send('x')).toThrowError(expect.objectContaining({ name: 'InvalidStateError' }));
    c.connect();
    expect(c.send('x')).toBe(true);
  });

  it('closes when the signal aborts, and never connects with an aborted signal', async () => {
    const ac = new AbortController();
    const c = make({ signal: ac.signal });
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.state).toBe('closed');
    make({ signal: AbortSignal.abort() });
    expect(ws.made).toHaveLength(1);
  });
});

describe('sending', () => {
  it('queues while not open and flushes in order on open; bufferedAmount counts the queue', async () => {
    const c = make();
    c.send('a');
    c.send(new Uint8Array(3));
    expect(c.bufferedAmount).toBe(4);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    expect(ws.last().sent).toEqual(['a', new Uint8Array(3)]);
    expect(c.bufferedAmount).toBe(0);
    c.send('b');
    expect(ws.last().sent.at(-1)).toBe('b');
  });

  it("'reject' overflow: send() returns false and emits QueueFullError", () => {
    const c = make({ autoConnect: false, queue: { maxMessages: 2 } });
    const errors = record(c, ['error'], (e) => (e as Event & { error: Error }).error.name);
    expect([c.send('1'), c.send('2'), c.send('3')]).toEqual([true, true, false]);
    expect(errors).toEqual(['error:QueueFullError']);
  });

  it("'drop-oldest' overflow keeps the newest", async () => {
    const c = make({ autoConnect: false, queue: { maxBytes: 4, overflow: 'drop-oldest' } });
    for (const s of ['aa', 'bb', 'cc']) expect(c.send(s)).toBe(true);
    c.connect();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    expect(ws.last().sent).toEqual(['bb', 'cc']);
  });

  it('serialize encodes outbound data', async () => {
    const c = make<unknown>({ serialize: (d: unknown) => JSON.stringify(d) } as Options);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    (c as TestClient<unknown, unknown>).send({ a: 1 });
    expect(ws.last().sent).toEqual(['{"a":1}']);
  });
});

describe('reconnect policy in the client', () => {
  it('counts attempts across quick drops and resets only after minUptimeMs', async () => {
    const c = make();
    const delays = record(c, ['reconnecting'], detail('delayMs'));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 3; i++) {
      ws.last().open();
      ws.last().end();
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(delays).toEqual(['reconnecting:100', 'reconnecting:200', 'reconnecting:400']);
    ws.last().open();
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.attempt).toBe(0);
    ws.last().end();
    expect(delays.at(-1)).toBe('reconnecting:100');
  });

  it('gives up after maxAttempts; reconnect: false never retries', async () => {
    const c = make({ reconnect: { ...noJitter, maxAttempts: 2 } });
    const log = record(c, ['close'], detail('willReconnect'));
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      ws.last().end();
    }
    expect(log).toEqual(['close:true', 'close:true', 'close:false']);
    expect(c.readyState).toBe(3);
    const d = make({ reconnect: false });
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end();
    expect(d.state).toBe('closed');
  });

  it('honours Retry-After and retry: hints as a floor', async () => {
    const c = make();
    const delays = record(c, ['reconnecting'], detail('delayMs'));
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end({ status: 503, retryAfterMs: 7000 });
    await vi.advanceTimersByTimeAsync(7000);
    ws.last().ctx.sink.retry(3000);
    ws.last().end();
    expect(delays).toEqual(['reconnecting:7000', 'reconnecting:3000']);
  });

  it('fatal statuses stop; custom shouldReconnect overrides', async () => {
    const c = make();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end({ status: 404 });
    expect(c.state).toBe('closed');
    const d = make({ shouldReconnect: () => true });
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end({ code: 1008 });
    expect(d.state).toBe('reconnecting');
  });

  it('401 with a url function: one immediate retry with fresh credentials, then fatal', async () => {
    const tokens: number[] = [];
    const c = make({}, ({ attempt }) => {
      tokens.push(attempt);
      return `ws://127.0.0.1:1/?token=${tokens.length}`;
    });
    const delays = record(c, ['reconnecting'], detail('delayMs'));
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end({ code: 4401 });
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.last().ctx.url).toContain('token=2');
    ws.last().end({ code: 4401 });
    expect(delays).toEqual(['reconnecting:0']);
    expect(c.state).toBe('closed');
    const d = make();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end({ status: 401 });
    expect(d.state).toBe('closed');
  });

  it('a url function that throws is an error event and a retry', async () => {
    let fail = true;
    const c = make({}, () => {
      if (fail) throw new Error('token service down');
      return 'ws://127.0.0.1:1/';
    });
    const errors = record(c, ['error'], (e) => (e as Event & { error: Error }).error.message);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['error:no URL for this attempt']);
    fail = false;
    await vi.advanceTimersByTimeAsync(100);
    ws.last().open();
    expect(c.state).toBe('open');
  });

  it('reconnect() drops the live connection and connects now with the backoff reset', async () => {
    const c = make();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end();
    await vi.advanceTimersByTimeAsync(100);
    ws.last().end();
    expect(c.attempt).toBe(2);
    c.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.attempt).toBe(0);
    expect(ws.made).toHaveLength(3);
  });
});

describe('fallback and timeouts', () => {
  it('falls back when the first transport fails before open, then prefers the one that worked', async () => {
    const c = make({ transports: ['websocket', 'sse'] });
    const log = record(c, ['fallback'], (e) => `${detail('from')(e)}>${detail('to')(e)}`);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().end();
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['fallback:websocket>sse']);
    http.last().open();
    expect(c.transport).toBe('sse');
    expect(c.url).toBe('http://127.0.0.1:1/x');
    http.last().end();
    await vi.advanceTimersByTimeAsync(100);
    expect(http.made).toHaveLength(2);
    expect(ws.made).toHaveLength(1);
  });

  it('fails an attempt that is not open within connectTimeoutMs', async () => {
    const c = make({ transports: ['websocket', 'sse'], connectTimeoutMs: 300 });
    const errors = record(c, ['error'], (e) => (e as Event & { error: Error }).error.name);
    await vi.advanceTimersByTimeAsync(300);
    expect(errors).toEqual(['error:ConnectTimeoutError']);
    expect(ws.last().closedWith).toBeDefined();
    expect(http.made).toHaveLength(1);
  });

  it('idleTimeoutMs: silence fails the connection, any inbound data keeps it', async () => {
    const c = make({ idleTimeoutMs: 1000 });
    const errors = record(c, ['error'], (e) => (e as Event & { error: Error }).error.name);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(600);
      if (i % 2) ws.last().receive('x');
      else ws.last().ctx.sink.activity();
    }
    expect(c.state).toBe('open');
    // silence is detected between 1 and 1.25 x idleTimeoutMs after the last data
    await vi.advanceTimersByTimeAsync(900);
    expect(c.state).toBe('open');
    await vi.advanceTimersByTimeAsync(350);
    expect(errors).toEqual(['error:HeartbeatTimeoutError']);
    expect(c.state).toBe('reconnecting');
  });

  it('heartbeat pings transports that can ping every intervalMs; silence past intervalMs + timeoutMs fails', async () => {
    const c = make({ heartbeat: { intervalMs: 100 } });
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(100);
      ws.last().receive('pong');
    }
    expect(ws.last().pings).toBe(3);
    await vi.advanceTimersByTimeAsync(250);
    expect(c.state).toBe('reconnecting');
  });
});

describe('events and messages', () => {
  it('parses inbound data; a parse failure is an error event, not a throw', async () => {
    const c = make<{ n: number }>({ parse: (d) => JSON.parse(String(d)) as { n: number } });
    const got: number[] = [];
    c.on('message', (e) => got.push(e.data.n));
    const errors = record(c, ['error'], (e) => (e as Event & { error: Error }).error.name);
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ws.last().receive('{"n":1}');
    ws.last().receive('{oops');
    ws.last().receive('{"n":2}');
    expect(got).toEqual([1, 2]);
    expect(errors).toEqual(['error:ProtocolError']);
  });

  it('on() returns unsubscribe; on* handler properties work like WebSocket', async () => {
    const c = make();
    const seen: string[] = [];
    const off = c.on('message', (e) => seen.push(`on:${String(e.data)}`));
    c.onmessage = (e) => seen.push(`prop:${String(e.data)}`);
    c.onopen = () => seen.push('open');
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ws.last().receive('1');
    off();
    c.onmessage = null;
    ws.last().receive('2');
    expect(seen).toEqual(['open', 'on:1', 'prop:1']);
    expect(c.onmessage).toBeNull();
  });

  it('registers SSE event names on the live transport and on every later one; tracks lastEventId', async () => {
    const c = make({ transports: ['sse'] }, 'http://127.0.0.1:1/');
    c.addEventListener('early', () => {});
    await vi.advanceTimersByTimeAsync(0);
    http.last().open();
    const got: string[] = [];
    c.on('late', (e) => got.push(`${String(e.data)}@${e.lastEventId}`));
    expect(http.last().listened).toEqual(['early', 'late']);
    http.last().receive('x', 'late', '41');
    expect(got).toEqual(['x@41']);
    expect(c.lastEventId).toBe('41');
    http.last().end();
    await vi.advanceTimersByTimeAsync(100);
    expect(http.last().listened).toEqual(['early', 'late']);
    expect(http.last().ctx.lastEventId).toBe('41');
  });

  it('an id-only block moves lastEventId without a message, and the next attempt resumes from it', async () => {
    const c = make({ transports: ['sse'] }, 'http://127.0.0.1:1/');
    const messages = record(c, ['message']);
    await vi.advanceTimersByTimeAsync(0);
    http.last().open();
    http.last().ctx.sink.activity('77');
    expect(c.lastEventId).toBe('77');
    http.last().ctx.sink.activity();
    expect(c.lastEventId).toBe('77');
    http.last().end();
    await vi.advanceTimersByTimeAsync(100);
    expect(http.last().ctx.lastEventId).toBe('77');
    expect(messages).toEqual([]);
  });

  it('messages() yields parsed messages and ends at the final close', async () => {
    const c = make<number>({ parse: Number });
    const it = c.messages();
    await vi.advanceTimersByTimeAsync(0);
    ws.last().open();
    ws.last().receive('1');
    ws.last().receive('2');
    ws.last().end(); // a reconnect does not end the stream
    await vi.advanceTimersByTimeAsync(100);
    ws.last().open();
    ws.last().receive('3');
    c.close();
    const values: number[] = [];
    for await (const v of it) values.push(v);
    expect(values).toEqual([1, 2, 3]);
  });

  it('messages({ signal }) ends when the signal aborts', async () => {
    const c = make();
    const ac = new AbortController();
    const it = c.messages({ signal: ac.signal });
    const next = it.next();
    ac.abort();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(c.state).not.toBe('closed');
  });
});

describe('constructor', () => {
  it('throws the DOMExceptions new WebSocket() throws', () => {
    const name = (fn: () => unknown): string => {
      try {
        fn();
        return 'ok';
      } catch (e) {
        return (e as Error).name;
      }
    };
    expect(name(() => make({}, 'http://[bad'))).toBe('SyntaxError');
    expect(name(() => make({}, 'ftp://127.0.0.1/'))).toBe('SyntaxError');
    expect(name(() => make({ protocols: ['a', 'a'] }))).toBe('SyntaxError');
    expect(name(() => make({ protocols: ['bad protocol'] }))).toBe('SyntaxError');
    expect(name(() => make({ transports: ['long-poll'] }))).toBe('TypeError');
    expect(name(() => make({}, 'https://127.0.0.1/#frag'))).toBe('ok');
  });

  it('converts http(s) to ws(s) for WebSocket and back for HTTP transports', async () => {
    const c = make({ transports: ['websocket', 'sse'] }, 'https://127.0.0.1:9/p?q=1');
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.last().ctx.url).toBe('wss://127.0.0.1:9/p?q=1');
    ws.last().end();
    await vi.advanceTimersByTimeAsync(0);
    expect(http.last().ctx.url).toBe('https://127.0.0.1:9/p?q=1');
    expect(c.withCredentials).toBe(false);
  });

  it('autoConnect: false waits for connect(); binaryType ignores invalid values', async () => {
    const c = make({ autoConnect: false });
    expect(c.readyState).toBe(3);
    c.binaryType = 'nonsense' as BinaryType;
    expect(c.binaryType).toBe('blob');
    c.binaryType = 'arraybuffer';
    c.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.last().binaryType).toBe('arraybuffer');
  });
});
