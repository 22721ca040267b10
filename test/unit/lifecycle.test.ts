import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type Options } from '../../src/entries/websocket.js';
import { FakeWebSocket } from '../helpers/fake-web.js';
import { fakePage, type FakePage } from '../helpers/fake-page.js';

const WS = FakeWebSocket as unknown as typeof WebSocket;
const REMOTE = 'ws://192.0.2.1/live';
let page: FakePage;
let client: RealtimeClient | undefined;
const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const make = (options: Options<unknown, string, 'websocket'> = {}, url = REMOTE): RealtimeClient =>
  (client = new RealtimeClient(url, { WebSocket: WS, reconnect: { initialDelayMs: 10000, jitter: 'none' }, ...options }));

/** Opens, then drops: the client waits 10 s to reconnect. */
async function waiting(c: RealtimeClient): Promise<void> {
  await tick();
  FakeWebSocket.last().accept();
  FakeWebSocket.last().drop();
  expect(c.state).toBe('reconnecting');
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
  page = fakePage();
});
afterEach(() => {
  client?.close();
  page.restore();
  vi.useRealTimers();
});

describe('lifecycle', () => {
  it('online: the pending attempt runs at once', async () => {
    const c = make();
    await waiting(c);
    page.online();
    expect(c.state).toBe('connecting');
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it('offline: no attempt to a remote server until online; lifecycle.online false never holds', async () => {
    const c = make();
    await waiting(c);
    page.offline();
    await tick(60000);
    expect(FakeWebSocket.all).toHaveLength(1);
    page.online();
    expect(FakeWebSocket.all).toHaveLength(2);
    client!.close();
    FakeWebSocket.reset();
    const d = make({ lifecycle: { online: false } });
    await waiting(d);
    page.offline();
    await tick(10000);
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it('offline does not hold a loopback server', async () => {
    const c = make({}, 'ws://127.0.0.1:9/live');
    await waiting(c);
    page.offline();
    await tick(10000);
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it("hidden: 'pause' disconnects (close willReconnect) and reconnects when visible; 'keep' ignores it", async () => {
    const c = make({ lifecycle: { hidden: 'pause' } });
    const closes: Array<[number, boolean]> = [];
    c.on('close', (e) => closes.push([e.code, e.willReconnect]));
    await tick();
    FakeWebSocket.last().accept();
    page.hide();
    expect([c.state, c.readyState, c.transport]).toEqual(['reconnecting', 0, null]);
    expect(FakeWebSocket.last().closedWith).toBeDefined();
    await tick(60000);
    expect(FakeWebSocket.all).toHaveLength(1);
    page.show();
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(closes).toEqual([[1000, true]]);
    client!.close();
    FakeWebSocket.reset();
    const d = make();
    await tick();
    FakeWebSocket.last().accept();
    page.hide();
    expect(d.state).toBe('open');
  });

  it("a retry that comes due while hidden under 'pause' waits for visible", async () => {
    const c = make({ lifecycle: { hidden: 'pause' }, reconnect: { initialDelayMs: 100, jitter: 'none' } });
    await tick();
    FakeWebSocket.last().refuse();
    page.hide();
    await tick(1000);
    expect(FakeWebSocket.all).toHaveLength(1);
    page.show();
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(c.state).toBe('connecting');
  });

  it('pageshow from the back/forward cache reconnects at once; a plain pageshow does not', async () => {
    const c = make();
    await tick();
    FakeWebSocket.last().accept();
    page.pageshow(false);
    expect(FakeWebSocket.all).toHaveLength(1);
    page.pageshow(true);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(c.state).toBe('connecting');
  });

  it('after close() the page lifecycle does nothing', async () => {
    const c = make({ lifecycle: { hidden: 'pause' } });
    await tick();
    c.close();
    for (const event of [page.online, page.show, () => page.pageshow(true)]) event();
    await tick(20000);
    expect(FakeWebSocket.all).toHaveLength(1);
    expect(c.state).toBe('closed');
  });
});
