/** Edge cases of the attempt cycle, through the public API over scripted browser constructors. */
import { describe, expect, it, vi } from 'vitest';
import type { RealtimeClient, UrlInput } from '../../src/entries/index.js';
import { FakeEventSource, FakeWebSocket, fakeFetch, streamResponse } from '../helpers/fake-web.js';
import { fakePage, type FakePage } from '../helpers/fake-page.js';
import { scriptedClients, tick } from '../helpers/scripted-clients.js';

let page: FakePage | undefined;
const make = scriptedClients('ws://127.0.0.1:9/', () => {
  page?.restore();
  page = undefined;
});

describe('transitions', () => {
  it("native SSE: a fresh EventSource's events carry the resumed id until the server sends one", async () => {
    const c = make({ transports: ['sse'], eventSource: 'native' }, 'http://127.0.0.1:9/a');
    const ids: string[] = [];
    c.addEventListener('message', (e) => ids.push((e as MessageEvent).lastEventId));
    await tick();
    const first = FakeEventSource.last();
    first.open();
    first.event('message', 'a', '5');
    first.fail();
    await tick(1000);
    const second = FakeEventSource.last();
    expect(second).not.toBe(first);
    expect(second.url).toContain('lastEventId=5');
    second.open();
    second.event('message', 'b');
    expect(c.lastEventId).toBe('5');
    second.event('message', 'c', '6');
    expect(ids).toEqual(['5', '5', '6']);
  });

  it("native SSE: the browser's own event when nothing changes; one of the client's own with parse, a renamed type, or a resumed id", async () => {
    const plain = make({ transports: ['sse'], eventSource: 'native' }, 'http://127.0.0.1:9/a');
    const parsed = make({ transports: ['sse'], eventSource: 'native', parse: (d) => JSON.parse(String(d)) as unknown }, 'http://127.0.0.1:9/b');
    const got = new Map<RealtimeClient, MessageEvent[]>([[plain, []], [parsed, []]]);
    for (const [c, list] of got) c.addEventListener('message', (e) => list.push(e as MessageEvent));
    await tick();
    const [a, b] = FakeEventSource.all as [FakeEventSource, FakeEventSource];
    a.open();
    b.open();
    await tick();
    let dispatched: Event | undefined;
    a.addEventListener('message', (e) => (dispatched = e));
    a.event('message', '{"n":1}', '1');
    b.event('message', '{"n":1}', '1');
    a.event('close', 'named like ours', '2');
    expect(got.get(plain)![0]).toBe(dispatched);
    expect(got.get(parsed)![0]!.data).toEqual({ n: 1 });
    expect(got.get(parsed)![0]!.lastEventId).toBe('1');
    const renamed = got.get(plain)![1]!;
    expect([renamed.type, renamed.data, renamed.lastEventId]).toEqual(['message', 'named like ours', '2']);
  });

  it.each(['close', 'reconnect'] as const)("%s() from shouldReconnect while the browser's own EventSource reconnects: the app's call wins", async (method) => {
    let calls = 0;
    const c = make(
      {
        transports: ['sse'],
        eventSource: 'native',
        shouldReconnect: () => (calls++ === 0 && c[method](), true),
      },
      'http://127.0.0.1:9/',
    );
    const closes: boolean[] = [];
    const reconnecting: number[] = [];
    c.on('close', (e) => closes.push(e.willReconnect));
    c.on('reconnecting', (e) => reconnecting.push(e.attempt));
    await tick();
    const first = FakeEventSource.last();
    first.open();
    await tick();
    first.drop();
    await tick();
    expect(calls).toBe(1);
    expect(first.readyState).toBe(2);
    if (method === 'close') {
      expect(c.state).toBe('closed');
      expect(closes).toEqual([false]);
      expect(reconnecting).toEqual([]);
      await tick(60000);
      expect(FakeEventSource.all).toHaveLength(1);
    } else {
      // reconnect(): one new EventSource at once, no wait for the browser's retry
      expect(FakeEventSource.all).toHaveLength(2);
      FakeEventSource.last().open();
      await tick();
      expect(c.state).toBe('open');
    }
  });

  it('close() from the statechange to open: the open event never follows', async () => {
    const c = make();
    const opens: string[] = [];
    c.on('open', () => opens.push('open'));
    c.on('statechange', (e) => e.state === 'open' && c.close());
    await tick();
    FakeWebSocket.last().accept();
    await tick();
    expect(opens).toEqual([]);
    expect(c.state).toBe('closed');
  });

  it('a second close() while closing neither sends another close nor restarts the deadline', async () => {
    const c = make({ connectTimeoutMs: 1000 });
    const closes: Array<[number, boolean]> = [];
    c.on('close', (e) => closes.push([e.code, e.willReconnect]));
    await tick();
    const s = FakeWebSocket.last();
    s.accept();
    s.close = function (this: FakeWebSocket, code?: number, reason?: string) {
      // a half-open peer: the closing handshake never completes
      this.closedWith ??= [code, reason];
      (this as { calls?: number }).calls = ((this as { calls?: number }).calls ?? 0) + 1;
    };
    c.close(4000, 'first');
    await tick(600);
    c.close(4001, 'second');
    expect([s.closedWith, (s as { calls?: number }).calls]).toEqual([[4000, 'first'], 1]);
    await tick(400);
    expect(closes).toEqual([[1006, false]]);
  });

  it('every round starts from the transport that last opened; one that fails before opening hands over to the next', async () => {
    const c = make({ transports: ['websocket', 'sse'], fetch: fakeFetch() });
    const fallbacks: string[] = [];
    c.on('fallback', (e) => fallbacks.push(e.to));
    await tick();
    FakeWebSocket.last().accept();
    FakeWebSocket.last().drop();
    await tick(100);
    // the round starts with WebSocket again
    expect(FakeWebSocket.all).toHaveLength(2);
    FakeWebSocket.last().refuse();
    await tick();
    expect(fallbacks).toEqual(['sse']);
    FakeEventSource.last().open();
    expect(c.transport).toBe('sse');
    FakeEventSource.last().fail();
    await tick(200);
    // now SSE is the one that last worked: the next round starts there
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(FakeEventSource.all).toHaveLength(2);
  });

  it('a url function returning undefined fails the attempt (type url) instead of connecting to /undefined', async () => {
    page = fakePage({ href: 'http://127.0.0.1:9/app/' });
    const c = make({}, (() => undefined) as unknown as UrlInput);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.error.type));
    await tick();
    expect(errors).toEqual(['url']);
    expect(FakeWebSocket.all).toHaveLength(0);
    expect(c.state).toBe('reconnecting');
  });

  it('close() rejects uploads at once, without waiting for the closing handshake', async () => {
    vi.useRealTimers();
    FakeWebSocket.auto = 'open';
    // the closing deadline is far beyond the test's own timeout: only an immediate abort passes
    const c = make({ connectTimeoutMs: 60000 });
    await vi.waitFor(() => expect(c.state).toBe('open'));
    FakeWebSocket.last().close = () => {}; // the main socket's closing handshake never ends
    const done = c.upload(new Uint8Array(4), { id: 'u2' });
    await vi.waitFor(() => expect(FakeWebSocket.all).toHaveLength(2));
    c.close();
    expect(c.state).toBe('closing');
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
  });

  it.each(['native', 'fetch'] as const)('%s SSE: server events named open, error, close, reset arrive as messages, data and id intact', async (mode) => {
    const stream = streamResponse();
    const c = make({ transports: ['sse'], eventSource: mode, fetch: fakeFetch(() => stream.res) }, 'http://127.0.0.1:9/');
    const messages: Array<[string, unknown, string]> = [];
    const control: string[] = [];
    c.on('message', (e) => messages.push([e.type, e.data, e.lastEventId]));
    for (const type of ['open', 'error', 'close', 'reset', 'reconnecting']) c.addEventListener(type, () => control.push(type));
    const iterator = c.messages();
    await tick();
    if (mode === 'native') {
      const es = FakeEventSource.last();
      es.open();
      for (const [i, type] of ['open', 'error', 'close', 'reset'].entries()) es.event(type, `${type} data`, String(i + 1));
    } else {
      stream.write(['open', 'error', 'close', 'reset'].map((t, i) => `event: ${t}\nid: ${i + 1}\ndata: ${t} data\n\n`).join(''));
      await tick();
    }
    expect(messages).toEqual([
      ['message', 'open data', '1'], ['message', 'error data', '2'], ['message', 'close data', '3'], ['message', 'reset data', '4'],
    ]);
    expect(control).toEqual(['open']); // the connection's own open only
    expect(c.state).toBe('open');
    expect(await iterator.next()).toEqual({ value: 'open data', done: false });
  });

  it("a page hidden from the start under 'pause': a retry that comes due waits until visible", async () => {
    page = fakePage({ hidden: true });
    const c = make({ lifecycle: { hidden: 'pause' } });
    await tick();
    FakeWebSocket.last().refuse();
    await tick(5000);
    expect(FakeWebSocket.all).toHaveLength(1);
    expect(c.state).toBe('reconnecting');
    page.show();
    expect(FakeWebSocket.all).toHaveLength(2);
  });
});
