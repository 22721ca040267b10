import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from '../../src/entries/websocket.js';
import { FakeWebSocket } from '../helpers/fake-web.js';

const WS = FakeWebSocket as unknown as typeof WebSocket;
let client: RealtimeClient;
const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
async function open(): Promise<FakeWebSocket> {
  await tick();
  FakeWebSocket.last().accept();
  return FakeWebSocket.last();
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
  client = new RealtimeClient('ws://127.0.0.1:9/', { WebSocket: WS });
});
afterEach(() => {
  client.close();
  vi.useRealTimers();
});

describe('message listeners (called directly, DOM semantics)', () => {
  it('keep registration order across on(), addEventListener, handleEvent objects and onmessage', async () => {
    const seen: string[] = [];
    client.on('message', () => seen.push('on'));
    client.onmessage = () => seen.push('prop');
    client.addEventListener('message', { handleEvent: () => seen.push('object') });
    client.addEventListener('message', () => seen.push('add'));
    client.onmessage = () => seen.push('prop2'); // re-setting keeps its position
    (await open()).message('x');
    expect(seen).toEqual(['on', 'prop2', 'object', 'add']);
  });

  it('each gets the same MessageEvent with data, lastEventId, origin; this is the client', async () => {
    const events: MessageEvent[] = [];
    let self: unknown;
    client.addEventListener('message', function (this: unknown, e) {
      self = this;
      events.push(e);
    });
    client.on('message', (e) => events.push(e));
    (await open()).message('hello', 'ws://127.0.0.1:9');
    expect(events[0]).toBe(events[1]);
    expect(events[0]).toBeInstanceOf(MessageEvent);
    expect([events[0]!.data, events[0]!.lastEventId, events[0]!.origin]).toEqual(['hello', '', 'ws://127.0.0.1:9']);
    expect(self).toBe(client);
  });

  it('once, signal, duplicate suppression, and capture as part of identity', async () => {
    const seen: string[] = [];
    const twice = (): number => seen.push('dup');
    client.addEventListener('message', twice);
    client.addEventListener('message', twice);
    client.addEventListener('message', twice, true);
    client.addEventListener('message', () => seen.push('once'), { once: true });
    const ac = new AbortController();
    client.addEventListener('message', () => seen.push('signal'), { signal: ac.signal });
    const s = await open();
    s.message('1');
    ac.abort();
    client.removeEventListener('message', twice, true);
    s.message('2');
    expect(seen).toEqual(['dup', 'dup', 'once', 'signal', 'dup']);
  });

  it('a listener removed during dispatch does not run; one added during dispatch waits for the next message', async () => {
    const seen: string[] = [];
    const later = (): number => seen.push('later');
    const added = (): number => seen.push('added');
    client.addEventListener('message', () => {
      seen.push('first');
      client.removeEventListener('message', later);
      client.addEventListener('message', added);
    });
    client.addEventListener('message', later);
    const s = await open();
    s.message('1');
    s.message('2');
    expect(seen).toEqual(['first', 'first', 'added']);
  });

  it('a throwing listener is reported and the others still run; the client stays open', async () => {
    const reported: unknown[] = [];
    const g = globalThis as { reportError?: (e: unknown) => void };
    const saved = g.reportError;
    g.reportError = (e) => reported.push(e);
    try {
      const seen: string[] = [];
      client.on('message', () => {
        throw new Error('boom');
      });
      client.on('message', () => seen.push('next'));
      (await open()).message('x');
      expect(seen).toEqual(['next']);
      expect(reported).toHaveLength(1);
      expect(client.state).toBe('open');
    } finally {
      if (saved) g.reportError = saved;
      else delete g.reportError;
    }
  });

  it('stopImmediatePropagation() stops the rest', async () => {
    const seen: string[] = [];
    client.on('message', (e) => (seen.push('a'), e.stopImmediatePropagation()));
    client.on('message', () => seen.push('b'));
    (await open()).message('x');
    expect(seen).toEqual(['a']);
  });

  it('dispatchEvent() of a message reaches message listeners; control events are real DOM events with target', async () => {
    const seen: unknown[] = [];
    client.on('message', (e) => seen.push(e.data));
    client.dispatchEvent(new MessageEvent('message', { data: 'by hand' }));
    let target: unknown;
    client.on('open', (e) => (target = e.target));
    await open();
    expect(seen).toEqual(['by hand']);
    expect(target).toBe(client);
  });
});
