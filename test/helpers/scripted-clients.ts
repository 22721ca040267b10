// The public RealtimeClient over the scripted browser constructors of fake-web.ts,
// on vitest's fake clock: what the unit tests of the attempt cycle share.
import { afterEach, beforeEach, vi } from 'vitest';
import { RealtimeClient, type Options, type UrlInput } from '../../src/entries/index.js';
import { FakeEventSource, FakeWebSocket } from './fake-web.js';

export const WS = FakeWebSocket as unknown as typeof WebSocket;
export const ES = FakeEventSource as unknown as typeof EventSource;
/** A short, deterministic policy: 100 ms doubling to 1 s, no jitter, 5 s of uptime resets it. */
export const FAST = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 'none', minUptimeMs: 5000 } as const;
/** Runs the fake clock `ms` forward, with the microtasks between timers. */
export const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);

/**
 * Installs the fake clock and fresh fakes before each test of the calling file (or
 * `describe`), and closes every client `make` created after it; `make` builds a
 * WebSocket-only client on FAST unless `options` say otherwise.
 */
export function scriptedClients(defaultUrl: UrlInput = 'ws://127.0.0.1:1/live', after?: () => void): (options?: Options, url?: UrlInput) => RealtimeClient {
  const clients: RealtimeClient[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
    FakeEventSource.reset();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    after?.();
    vi.useRealTimers();
  });
  return (options = {}, url = defaultUrl) => {
    const c = new RealtimeClient(url, { WebSocket: WS, EventSource: ES, transports: ['websocket'], reconnect: FAST, ...options });
    clients.push(c);
    return c;
  };
}
