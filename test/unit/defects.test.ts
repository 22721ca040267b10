/**
 * One regression test per defect found in the review of the first core (issue 10),
 * written against the public API only, so each can be run against the old core
 * too (where each fails). Logic under fake timers, over scripted browser constructors.
 */
import { describe, expect, it, vi } from 'vitest';
import * as api from '../../src/entries/index.js';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { FakeEventSource, FakeWebSocket, fakeFetch, streamResponse } from '../helpers/fake-web.js';
import { fakePage, type FakePage } from '../helpers/fake-page.js';
import { FAST as fast, scriptedClients, tick } from '../helpers/scripted-clients.js';

const WS_URL = 'ws://127.0.0.1:1/live';
const HTTP_URL = 'http://127.0.0.1:1/live';

type Any = Event & Record<string, unknown>;
let page: FakePage | undefined;
const make = scriptedClients(WS_URL, () => {
  page?.restore();
  page = undefined;
});
/** Every event of `type`, as `detail(e)`. */
function log<T = string>(c: EventTarget, type: string, detail: (e: Any) => T = (e) => e.type as T): T[] {
  const out: T[] = [];
  c.addEventListener(type, (e) => out.push(detail(e as Any)));
  return out;
}
const finals = (c: EventTarget): boolean[] => log(c, 'close', (e) => e['willReconnect'] as boolean);

describe('issue 10 regressions', () => {
  it('#1 a server that accepts and then closes 4401 sees at most two connections, then the client stops', async () => {
    const c = make({}, () => `${WS_URL}?token=fresh`);
    const errors = log(c, 'error');
    for (let i = 0; i < 40; i++) {
      await tick(50);
      const s = FakeWebSocket.last();
      if (s.readyState !== 0) continue;
      s.accept();
      s.drop(4401, 'unauthorized', false);
    }
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(c.state).toBe('closed');
    expect(errors).toEqual([]);
  });

  it('#1 the budget comes back after minUptimeMs of uptime', async () => {
    const c = make({}, () => WS_URL);
    await tick();
    FakeWebSocket.last().accept();
    FakeWebSocket.last().drop(4401, '', false); // retry 1 (budget spent)
    await tick();
    FakeWebSocket.last().accept();
    await tick(5000); // stayed up: the budget is back
    FakeWebSocket.last().drop(4401, '', false);
    await tick();
    expect(FakeWebSocket.all).toHaveLength(3);
    expect(c.state).toBe('connecting');
  });

  describe('#2 close() from a listener is final', () => {
    const drive: Record<string, () => void> = {
      open: () => FakeWebSocket.last().accept(),
      close: () => (FakeWebSocket.last().accept(), FakeWebSocket.last().drop()),
      reconnecting: () => (FakeWebSocket.last().accept(), FakeWebSocket.last().drop()),
      fallback: () => FakeWebSocket.last().refuse(),
      statechange: () => FakeWebSocket.last().accept(),
      connecting: () => (FakeWebSocket.last().accept(), FakeWebSocket.last().drop()),
    };
    it.each(Object.keys(drive))('from a %s listener: no new attempt, one final close, send() throws', async (type) => {
      const http = fakeFetch();
      const c = make({ transports: ['websocket', 'sse'], fetch: http, heartbeat: { intervalMs: 30000 } });
      const closes = finals(c);
      await tick();
      c.addEventListener(type, () => c.close());
      drive[type]!();
      await tick(20000);
      expect(c.state).toBe('closed');
      // nothing left running: no ping timer, no uptime or reconnect timer
      expect(vi.getTimerCount()).toBe(0);
      expect(closes.filter((w) => !w)).toHaveLength(1);
      expect(FakeWebSocket.all.length + FakeEventSource.all.length).toBe(1);
      expect(() => c.send('x')).toThrowError(expect.objectContaining({ name: 'InvalidStateError' }));
    });

    it('reconnect() from a close listener makes exactly one new attempt', async () => {
      const c = make();
      await tick();
      FakeWebSocket.last().accept();
      let once = true;
      c.addEventListener('close', () => once && ((once = false), c.reconnect()));
      FakeWebSocket.last().drop();
      await tick(3000);
      expect(FakeWebSocket.all).toHaveLength(2);
    });

    it('close() from the close listener of a hidden-page pause: no reconnect when visible again', async () => {
      page = fakePage();
      const c = make({ lifecycle: { hidden: 'pause' } });
      await tick();
      FakeWebSocket.last().accept();
      c.addEventListener('close', () => c.close());
      page.hide();
      await tick(100);
      page.show();
      await tick(3000);
      expect(c.state).toBe('closed');
      expect(FakeWebSocket.all).toHaveLength(1);
    });
  });

  it('#3 onerror = close(): one final close after a connect timeout, and after a fetch-SSE 503', async () => {
    const a = make({ connectTimeoutMs: 500 });
    a.onerror = () => a.close();
    const aCloses = finals(a);
    await tick(600);
    const http = fakeFetch(() => new Response('', { status: 503 }));
    const b = make({ transports: ['sse'], eventSource: 'fetch', fetch: http }, HTTP_URL);
    b.onerror = () => b.close();
    const bCloses = finals(b);
    await tick(5000);
    expect(aCloses.filter((w) => !w)).toHaveLength(1);
    expect(bCloses).toEqual([false]);
    expect(http.calls).toHaveLength(1);
  });

  it('#4 a close listener sees the state after the change', async () => {
    const c = make({ reconnect: { ...fast, maxAttempts: 1 } });
    const seen = log(c, 'close', () => [c.state, c.transport, c.readyState]);
    await tick();
    FakeWebSocket.last().accept();
    FakeWebSocket.last().drop();
    await tick(100);
    FakeWebSocket.last().drop();
    expect(seen).toEqual([['reconnecting', null, 0], ['closed', null, 3]]);
  });

  it("#5 queue { maxMessages: 0, overflow: 'drop-oldest' } refuses instead of freezing", () => {
    const c = make({ autoConnect: false, queue: { maxMessages: 0, overflow: 'drop-oldest' } });
    const errors = log(c, 'error', (e) => (e['error'] as Error).name);
    expect(c.send('x')).toBe(false);
    expect(errors).toEqual(['QueueFullError']);
  });

  describe('HTTP sends', () => {
    /** An SSE (fetch) client whose stream is open; POSTs are answered by the test. */
    async function httpClient(options: Options = {}): Promise<{ c: RealtimeClient; posts: () => ReturnType<typeof fakeFetch>['calls'] }> {
      const stream = streamResponse();
      const http = fakeFetch((_url, init) => (init.method === 'POST' ? undefined : stream.res));
      const c = make({ transports: ['sse'], eventSource: 'fetch', fetch: http, connectTimeoutMs: 1000, ...options }, HTTP_URL);
      await tick();
      expect(c.state).toBe('open');
      return { c, posts: () => http.calls.filter((call) => call.init.method === 'POST') };
    }
    const body = (call: { init: RequestInit }): string => String(call.init.body);

    it("#6 'drop-oldest' never evicts the POST in flight: after a 503 it is retried first", async () => {
      const { c, posts } = await httpClient({ queue: { maxMessages: 3, overflow: 'drop-oldest' } });
      for (const m of ['a', 'b', 'c', 'd']) c.send(m);
      await tick();
      expect(posts().map(body)).toEqual(['a']);
      posts()[0]!.answer(new Response('', { status: 503 }));
      await tick(1000);
      expect(posts().map(body)).toEqual(['a', 'a']);
    });

    it("#6 'drop-oldest' with only the POST in flight queued: the new send is refused, never lost silently", async () => {
      const { c, posts } = await httpClient({ queue: { maxMessages: 1, overflow: 'drop-oldest' } });
      const errors = log(c, 'error', (e) => (e['error'] as Error).name);
      c.send('a');
      const accepted = c.send('b');
      await tick();
      posts()[0]!.answer(new Response(null, { status: 204 }));
      await tick(1000);
      const bodies = posts().map(body);
      expect(accepted ? bodies.includes('b') : errors.includes('QueueFullError')).toBe(true);
    });

    it('#7 a POST that never settles is abandoned after connectTimeoutMs and retried; the next follows', async () => {
      const { c, posts } = await httpClient();
      c.send('a');
      c.send('b');
      await tick(1000 + 1000);
      expect(posts().map(body)).toEqual(['a', 'a']);
      posts()[1]!.answer(new Response(null, { status: 204 }));
      await tick();
      expect(posts().map(body)).toEqual(['a', 'a', 'b']);
    });

    it('#7 a POST answered 422 is dropped and reported with its message; the next one goes', async () => {
      const { c, posts } = await httpClient();
      const errors = log(c, 'error', (e) => e['error'] as Error & { status: number; data: unknown });
      c.send('a');
      c.send('b');
      await tick();
      posts()[0]!.answer(new Response('', { status: 422 }));
      await tick();
      expect(posts().map(body)).toEqual(['a', 'b']);
      expect(errors.map((e) => [e.name, e.status, e.data])).toEqual([['HttpStatusError', 422, 'a']]);
    });

    it('#8 Retry-After on a failed POST is a floor for its retry', async () => {
      const { c, posts } = await httpClient();
      c.send('a');
      await tick();
      posts()[0]!.answer(new Response('', { status: 503, headers: { 'retry-after': '3' } }));
      await tick(2900);
      expect(posts()).toHaveLength(1);
      await tick(200);
      expect(posts()).toHaveLength(2);
    });

    it('#9 a POST that fails after close() emits nothing after the final close and leaves no timer', async () => {
      const { c, posts } = await httpClient();
      const order: string[] = [];
      c.addEventListener('close', () => order.push('close'));
      c.addEventListener('error', () => order.push('error'));
      c.send('a');
      await tick();
      c.close();
      posts()[0]!.answer(new TypeError('network'));
      await tick();
      expect(order).toEqual(['close']);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('#10 connectTimeoutMs covers a url function that never resolves', async () => {
    const c = make({ connectTimeoutMs: 500 }, () => new Promise<string>(() => {}));
    const errors = log(c, 'error', (e) => (e['error'] as Error).name);
    await tick(550);
    expect(errors).toEqual(['ConnectTimeoutError']);
    expect(c.state).toBe('reconnecting');
  });

  it('#11 messages() after close() ends at once; concurrent next() calls each settle in order', async () => {
    const c = make();
    await tick();
    FakeWebSocket.last().accept();
    const it = c.messages();
    const first = it.next();
    const second = it.next();
    FakeWebSocket.last().message('1');
    FakeWebSocket.last().message('2');
    expect(await first).toEqual({ value: '1', done: false });
    expect(await second).toEqual({ value: '2', done: false });
    c.close();
    const after = c.messages();
    await expect(after.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('#12 offline with a server on localhost, and offline with lifecycle.online false: retries continue', async () => {
    page = fakePage({ onLine: false });
    const local = make();
    await tick();
    FakeWebSocket.last().refuse();
    await tick(1000);
    expect(FakeWebSocket.all).toHaveLength(2);
    const remote = make({ lifecycle: { online: false } }, 'ws://192.0.2.1/live');
    await tick();
    const first = FakeWebSocket.last();
    first.refuse();
    await tick(1000);
    expect(FakeWebSocket.last()).not.toBe(first);
    expect([local.state, remote.state]).toEqual(['connecting', 'connecting']);
  });

  it("#13 close(undefined, '') goes out with code 1000", async () => {
    const c = make();
    await tick();
    FakeWebSocket.last().accept();
    c.close(undefined, '');
    expect(FakeWebSocket.last().closedWith).toEqual([1000, '']);
  });

  it('#14 no half-usable base class is exported', () => {
    const names = Object.keys(api);
    expect(names).not.toContain('RealtimeClientBase');
    expect(names).not.toContain('ClientCore');
    for (const name of names) {
      const value = (api as Record<string, unknown>)[name];
      if (typeof value === 'function' && /Client/.test(name)) expect(name).toBe('RealtimeClient');
    }
  });

  it('#15 a retry: hint does not outlive connect()', async () => {
    let streams = 0;
    const http = fakeFetch(() => {
      const s = streamResponse();
      // only the first stream sends the hint
      if (!streams++) s.write('retry: 60000\n\n');
      queueMicrotask(() => s.end());
      return s.res;
    });
    const c = make({ transports: ['sse'], eventSource: 'fetch', fetch: http }, HTTP_URL);
    const delays = log(c, 'reconnecting', (e) => e['delayMs'] as number);
    await tick(10);
    expect(delays).toEqual([60000]);
    c.close();
    c.connect();
    await tick(10);
    // the new cycle's first drop: the old cycle's hint no longer floors it
    expect(delays[1]).toBeLessThan(60000);
  });

  it('#16 close() rejects an in-flight upload with an AbortError and closes its socket', async () => {
    vi.useRealTimers();
    FakeWebSocket.auto = 'open';
    const c = make();
    const done = c.upload(new Uint8Array(10), { id: 'u1' });
    await vi.waitFor(() => expect(FakeWebSocket.all.some((s) => s.protocols.includes('pushline-upload.v1') && s.sent.length)).toBe(true));
    c.close();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    const socket = FakeWebSocket.all.find((s) => s.protocols.includes('pushline-upload.v1'))!;
    expect(socket.readyState).toBeGreaterThanOrEqual(2);
  });

  it('#16 a client that ends by itself (a fatal close code) rejects its in-flight upload too', async () => {
    vi.useRealTimers();
    FakeWebSocket.auto = 'open';
    const c = make();
    await vi.waitFor(() => expect(c.state).toBe('open'));
    const main = FakeWebSocket.last();
    const done = c.upload(new Uint8Array(10), { id: 'u2' });
    await vi.waitFor(() => expect(FakeWebSocket.all.some((s) => s.protocols.includes('pushline-upload.v1') && s.sent.length)).toBe(true));
    main.drop(1008, 'policy', false);
    expect(c.state).toBe('closed');
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    const socket = FakeWebSocket.all.find((s) => s.protocols.includes('pushline-upload.v1'))!;
    expect(socket.readyState).toBeGreaterThanOrEqual(2);
  });

  it('#17 the first statechange is dispatched after the constructor returns', async () => {
    const c = make();
    const states = log(c, 'statechange', (e) => `${String(e['previous'])}>${String(e['state'])}`);
    await tick();
    expect(states[0]).toBe('closed>connecting');
  });

  it('#18 a failed WebSocket handshake emits an error (type network), like WebSocket', async () => {
    const c = make();
    const errors = log(c, 'error', (e) => (e['error'] as { type: string }).type);
    await tick();
    FakeWebSocket.last().refuse();
    expect(errors).toEqual(['network']);
  });

  it('#19 a missing WebSocket constructor fails once (unavailable), never in a loop', async () => {
    const c = make({ WebSocket: undefined as unknown as typeof WebSocket });
    const errors = log(c, 'error', (e) => (e['error'] as { type: string }).type);
    await tick(60000);
    expect(errors).toEqual(['unavailable']);
    expect(c.state).toBe('closed');
  });

  it('#20 a parse failure is a ProtocolError whose cause is what parse threw', async () => {
    const c = make({ parse: (d) => JSON.parse(String(d)) as unknown });
    const errors = log(c, 'error', (e) => e['error'] as Error);
    await tick();
    FakeWebSocket.last().accept();
    FakeWebSocket.last().message('{oops');
    expect(errors[0]).toBeInstanceOf(api.ProtocolError);
    expect(errors[0]!.cause).toBeInstanceOf(SyntaxError);
  });

  it('#21 heartbeat replies never reach parse or listeners (the README example)', async () => {
    const c = make({ parse: (d) => JSON.parse(String(d)) as unknown, heartbeat: { intervalMs: 1000 } });
    const errors = log(c, 'error');
    const messages = log(c, 'message', (e) => (e as unknown as MessageEvent).data as unknown);
    await tick();
    const s = FakeWebSocket.last();
    s.accept();
    for (let i = 0; i < 5; i++) {
      await tick(1000);
      expect(s.sent.at(-1)).toBe('ping');
      s.message('pong');
    }
    s.message('{"n":1}');
    expect(errors).toEqual([]);
    expect(messages).toEqual([{ n: 1 }]);
    expect(c.state).toBe('open');
  });
});
