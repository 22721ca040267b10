// @vitest-environment happy-dom
/**
 * Every emit is a re-entrancy point: listeners that close, reconnect, send or throw,
 * at every event the client dispatches, leave it consistent.
 */
import { describe, expect, it } from 'vitest';
import { scriptedClients, tick } from '../helpers/scripted-clients.js';
import { FakeEventSource, FakeWebSocket, fakeFetch, streamResponse } from '../helpers/fake-web.js';

const make = scriptedClients('ws://127.0.0.1:9/');

describe('re-entrancy', () => {
  const EVENTS = ['connecting', 'open', 'close', 'reconnecting', 'statechange', 'error'] as const;

  it.each(EVENTS)('a %s listener that throws: the client carries on and reconnects as usual', async (type) => {
    const saved = globalThis.reportError;
    globalThis.reportError = () => {};
    try {
      const c = make();
      c.addEventListener(type, () => {
        throw new Error('listener bug');
      });
      await tick();
      FakeWebSocket.last().accept();
      FakeWebSocket.last().refuse();
      await tick(100);
      FakeWebSocket.last().accept();
      expect(c.state).toBe('open');
      expect(FakeWebSocket.all).toHaveLength(2);
    } finally {
      globalThis.reportError = saved;
    }
  });

  it.each(EVENTS)('reconnect() from a %s listener: one live socket at a time, never a loop', async (type) => {
    const c = make();
    let calls = 0;
    c.addEventListener(type, () => calls++ < 3 && c.reconnect());
    await tick();
    FakeWebSocket.last().accept();
    await tick(50);
    FakeWebSocket.last().drop();
    await tick(3000);
    const live = FakeWebSocket.all.filter((s) => s.readyState < 2);
    expect(live.length).toBeLessThanOrEqual(1);
    expect(FakeWebSocket.all.length).toBeLessThan(10);
    expect(c.state).not.toBe('closed');
  });

  it('send() from an open listener goes after what was queued, in order', async () => {
    const c = make();
    c.send('queued 1');
    c.send('queued 2');
    c.on('open', () => c.send('from open'));
    await tick();
    FakeWebSocket.last().accept();
    expect(FakeWebSocket.last().sent).toEqual(['queued 1', 'queued 2', 'from open']);
  });

  it('close() from a message listener: the rest of the same SSE chunk is not delivered', async () => {
    const stream = streamResponse();
    const c = make({ transports: ['sse'], eventSource: 'fetch', fetch: fakeFetch(() => stream.res) }, 'http://127.0.0.1:9/');
    const got: unknown[] = [];
    c.on('message', (e) => {
      got.push(e.data);
      if (e.data === '2') c.close();
    });
    await tick();
    stream.write('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    await tick();
    expect(got).toEqual(['1', '2']);
    expect(c.state).toBe('closed');
  });

  it('close() from an error listener of a parse failure ends the client cleanly', async () => {
    const c = make({ parse: (d) => JSON.parse(String(d)) as unknown });
    const closes: boolean[] = [];
    c.on('close', (e) => closes.push(e.willReconnect));
    c.on('error', () => c.close());
    await tick();
    FakeWebSocket.last().accept();
    FakeWebSocket.last().message('{bad');
    FakeWebSocket.last().message('{"after":1}');
    await tick(10);
    expect(closes).toEqual([false]);
    expect(c.state).toBe('closed');
  });

  it('connect() from the final close listener starts a fresh cycle with one final close each', async () => {
    const c = make({ reconnect: false });
    const closes: boolean[] = [];
    let again = true;
    c.on('close', (e) => {
      closes.push(e.willReconnect);
      if (again && !e.willReconnect) {
        again = false;
        c.connect();
      }
    });
    await tick();
    FakeWebSocket.last().refuse();
    await tick();
    expect(c.state).toBe('connecting');
    FakeWebSocket.last().refuse();
    expect(closes).toEqual([false, false]);
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it('native SSE: close() while the EventSource reconnects by itself closes it and ends', async () => {
    const c = make({ transports: ['sse'] }, 'http://127.0.0.1:9/');
    await tick();
    const es = FakeEventSource.last();
    es.open();
    c.on('reconnecting', () => c.close());
    es.drop();
    expect(es.closed).toBe(true);
    expect(c.state).toBe('closed');
    await tick(10000);
    expect(FakeEventSource.all).toHaveLength(1);
  });
});
