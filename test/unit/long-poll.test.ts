import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from '../../src/entries/long-poll.js';
import { fakeFetch, type FetchCall } from '../helpers/fake-web.js';

const URL_ = 'http://127.0.0.1:9/events';
const fast = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 'none', minUptimeMs: 5000 } as const;
let client: RealtimeClient | undefined;
const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const sse = (body: string): Response => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
/** A fetch that answers every poll with `answer()`; a spin is cut off at 500 calls (and then fails the test). */
function polls(answer: (call: number) => Response | undefined): ReturnType<typeof fakeFetch> {
  let n = 0;
  return fakeFetch(() => (++n > 500 ? undefined : answer(n)));
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  client?.close();
  vi.useRealTimers();
});

describe('long-poll pacing', () => {
  it.each([
    ['204', () => new Response(null, { status: 204 })],
    ['an empty 200 without a Content-Type', () => new Response(null, { status: 200 })],
    ['an empty event stream', () => sse(': nothing\n\n')],
  ])('a server that answers %s at once is polled under the backoff, never in a spin', async (_name, empty) => {
    const http = polls((n) => (n === 1 ? sse('id: 1\n\n') : empty()));
    client = new RealtimeClient(URL_, { fetch: http, reconnect: fast });
    await tick(60000);
    // 100 + 200 + 400 + 800 ms, then one per second: about 60 polls in a minute
    expect(http.calls.length).toBeGreaterThan(20);
    expect(http.calls.length).toBeLessThan(80);
    expect(client.state).toBe('open');
  });

  it('polls again at once after events, after a cursor handoff, and after an empty answer that was held', async () => {
    const held: FetchCall[] = [];
    const http = fakeFetch((url) => {
      if (!url.includes('lastEventId')) return sse('id: 5\n\n');
      return undefined;
    });
    client = new RealtimeClient(URL_, { fetch: http, reconnect: fast });
    await tick();
    // 1: cursor handoff, at once; 2: the test answers with events
    expect(http.calls.map((c) => new URL(c.url).searchParams.get('lastEventId'))).toEqual([null, '5']);
    http.calls[1]!.answer(sse('id: 6\ndata: x\n\n'));
    await tick();
    expect(http.calls).toHaveLength(3);
    held.push(http.calls[2]!);
    await tick(1500);
    held[0]!.answer(new Response(null, { status: 204 }));
    await tick();
    expect(http.calls).toHaveLength(4);
    expect(new URL(http.calls[3]!.url).searchParams.get('lastEventId')).toBe('6');
  });

  it('a poll cut after a hold (a proxy timeout) proves the server: the backoff does not grow', async () => {
    const http = fakeFetch((url) => (url.includes('lastEventId') ? undefined : sse('id: 1\n\n')));
    client = new RealtimeClient(URL_, { fetch: http, reconnect: { ...fast, minUptimeMs: 60000 } });
    const attempts: number[] = [];
    client.on('reconnecting', (e) => attempts.push(e.attempt));
    await tick();
    for (let i = 0; i < 6; i++) {
      await tick(2000); // held by the server, then the proxy gives up
      http.calls.at(-1)!.answer(new Response('', { status: 504 }));
      await tick(1000);
    }
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...attempts)).toBe(1);
  });
});
