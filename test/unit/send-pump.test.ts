import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest';
import { SendPump } from '../../src/client/send-pump.js';
import { deliver } from '../../src/transports/http/sender.js';
import { HttpStatusError, type RealtimeError } from '../../src/errors.js';
import { resolveOptions, type Options } from '../../src/policy/options.js';
import type { Transport } from '../../src/transport.js';
import type { SendData } from '../../src/types.js';

interface Written { data: SendData; seq: number | undefined; signal: AbortSignal | undefined; settle?: (error?: unknown) => void }

let report: (e: RealtimeError) => void = () => {};
const OPTIONS: Options = { reconnect: { initialDelayMs: 100, jitter: 'none' }, connectTimeoutMs: 1000 };

/**
 * A target: duplex (written at once, like WebSocket) or HTTP, where each send goes
 * through the HTTP transports' `deliver` and every POST is answered by the test.
 */
function target(duplex: boolean, options: Options = {}, ignoresAbort = false): Transport & { written: Written[] } {
  const written: Written[] = [];
  const o = resolveOptions({ ...OPTIONS, ...options });
  return {
    written,
    readyState: 1,
    bufferedAmount: 0,
    protocol: '',
    extensions: '',
    binaryType: 'blob',
    ...(duplex ? { ping: () => {} } : {}),
    send(data, seq, signal) {
      const post = (abort: AbortSignal): Promise<void> =>
        new Promise<void>((resolve, reject) => {
          const w: Written = { data, seq, signal: abort, settle: (error) => (error === undefined ? resolve() : reject(error)) };
          written.push(w);
          if (!ignoresAbort) abort.addEventListener('abort', () => reject(abort.reason));
        });
      if (!duplex) return deliver(o, data, post, signal!, (e) => report(e));
      written.push({ data, seq, signal });
      return undefined;
    },
    close() {},
  };
}

function pump(options: Options = {}): { p: SendPump; errors: RealtimeError[] } {
  const errors: RealtimeError[] = [];
  report = (e) => errors.push(e);
  const p = new SendPump(resolveOptions({ ...OPTIONS, ...options }), (e) => errors.push(e));
  return { p, errors };
}
const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('SendPump over a WebSocket-like target', () => {
  it('writes at once when attached and idle; queues while detached and flushes in order on attach', () => {
    const { p } = pump();
    const t = target(true);
    p.push('a');
    p.push(new Uint8Array(3));
    expect(p.bytes).toBe(4);
    p.attach(t);
    p.push('b');
    expect(t.written.map((w) => w.data)).toEqual(['a', new Uint8Array(3), 'b']);
    expect(p.bytes).toBe(0);
  });

  it("bounds: 'reject' refuses with QueueFullError; 'drop-oldest' evicts the oldest; 0 messages never loops", () => {
    const a = pump({ queue: { maxMessages: 2 } });
    expect([a.p.push('1'), a.p.push('2'), a.p.push('3')]).toEqual([true, true, false]);
    expect(a.errors.map((e) => e.name)).toEqual(['QueueFullError']);
    const b = pump({ queue: { maxBytes: 4, overflow: 'drop-oldest' } });
    for (const s of ['aa', 'bb', 'cc']) b.p.push(s);
    const t = target(true);
    b.p.attach(t);
    expect(t.written.map((w) => w.data)).toEqual(['bb', 'cc']);
    const c = pump({ queue: { maxMessages: 0, overflow: 'drop-oldest' } });
    expect(c.p.push('x')).toBe(false);
    // a message larger than maxBytes on its own is refused either way
    expect(pump({ queue: { maxBytes: 1, overflow: 'drop-oldest' } }).p.push('xx')).toBe(false);
  });

  it('flush() resolves once everything before it is delivered; stop() rejects it', async () => {
    const { p } = pump();
    p.push('a');
    const done = vi.fn();
    void p.flush().then(done);
    await tick();
    expect(done).not.toHaveBeenCalled();
    p.attach(target(true));
    await tick();
    expect(done).toHaveBeenCalled();
    p.detach();
    p.push('b');
    const pending = p.flush();
    p.stop();
    await expect(pending).rejects.toMatchObject({ type: 'closed' });
  });
});

describe('SendPump over HTTP (with the HTTP transports\' deliver)', () => {
  it('one send at a time, in order', async () => {
    const { p } = pump();
    const t = target(false);
    p.attach(t);
    p.push('1');
    p.push('2');
    expect(t.written.map((w) => w.data)).toEqual(['1']);
    t.written[0]!.settle!();
    await tick();
    expect(t.written.map((w) => w.data)).toEqual(['1', '2']);
  });

  it('a network failure stays at the head and is retried under the policy; a 503 waits its Retry-After', async () => {
    const { p, errors } = pump();
    const t = target(false);
    p.attach(t);
    p.push('1');
    p.push('2');
    t.written[0]!.settle!(new TypeError('offline'));
    await tick(99);
    expect(t.written).toHaveLength(1);
    await tick(1);
    expect(t.written.map((w) => w.data)).toEqual(['1', '1']);
    t.written[1]!.settle!(new HttpStatusError(503, 2000));
    await tick(1999);
    expect(t.written).toHaveLength(2);
    await tick(1);
    expect(t.written.map((w) => w.data)).toEqual(['1', '1', '1']);
    expect(errors.map((e) => e.type)).toEqual(['network', 'http-status']);
  });

  it('a send that never settles is aborted after connectTimeoutMs and retried', async () => {
    const { p, errors } = pump();
    const t = target(false);
    p.attach(t);
    p.push('1');
    await tick(1000);
    expect(t.written[0]!.signal!.aborted).toBe(true);
    expect(errors.map((e) => e.name)).toEqual(['ConnectTimeoutError']);
    await tick(100);
    expect(t.written).toHaveLength(2);
  });

  it('a 4xx retrying cannot fix drops that message, reported with it; 408, 425 and 429 are retried', async () => {
    for (const [status, retried] of [[400, false], [422, false], [404, false], [408, true], [425, true], [429, true]] as const) {
      const { p, errors } = pump();
      const t = target(false);
      p.attach(t);
      p.push('a');
      p.push('b');
      t.written[0]!.settle!(new HttpStatusError(status));
      await tick(100);
      expect(t.written.map((w) => w.data)).toEqual(retried ? ['a', 'a'] : ['a', 'b']);
      if (!retried) expect(errors.map((e) => [e.name, (e as HttpStatusError).data])).toEqual([['HttpStatusError', 'a']]);
    }
  });

  it("'drop-oldest' never evicts the send in flight", async () => {
    const { p, errors } = pump({ queue: { maxMessages: 1, overflow: 'drop-oldest' } });
    const t = target(false);
    p.attach(t);
    p.push('a');
    expect(p.push('b')).toBe(false);
    expect(errors.map((e) => e.name)).toEqual(['QueueFullError']);
  });

  it('stop() aborts the send in flight; its failure reports nothing and no timer is left', async () => {
    const { p, errors } = pump();
    const t = target(false);
    p.attach(t);
    p.push('a');
    p.stop();
    await tick();
    expect(t.written[0]!.signal!.aborted).toBe(true);
    expect(errors).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a send that settles after stop() (a fetch ignoring abort) leaves the next cycle alone', async () => {
    const { p } = pump();
    const old = target(false, {}, true);
    p.attach(old);
    p.push('a');
    p.stop();
    const next = target(false);
    p.attach(next);
    expect(next.written.map((w) => w.data)).toEqual(['a']);
    old.written[0]!.settle!();
    await tick();
    expect(p.bytes).toBe(1);
    next.written[0]!.settle!();
    await tick();
    expect(p.bytes).toBe(0);
  });

  it('a send in flight survives detach and settles; the next waits for the next attach', async () => {
    const { p } = pump();
    const t = target(false);
    p.attach(t);
    p.push('a');
    p.push('b');
    p.detach();
    t.written[0]!.settle!();
    await tick();
    expect(t.written).toHaveLength(1);
    const next = target(false);
    p.attach(next);
    expect(next.written.map((w) => w.data)).toEqual(['b']);
  });
});

describe('SendPump in reliable mode', () => {
  it('numbers sends from 1, keeps them until acknowledged (cumulatively), resends the unacknowledged first', async () => {
    const { p } = pump({ reliable: true });
    const t = target(true);
    p.attach(t);
    for (const m of ['a', 'b', 'c']) p.push(m);
    expect(t.written.map((w) => [w.data, w.seq])).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    expect(p.bytes).toBe(3);
    p.ack(1);
    expect(p.bytes).toBe(2);
    p.detach();
    p.push('d');
    const again = target(true);
    p.attach(again);
    expect(again.written.map((w) => [w.data, w.seq])).toEqual([['b', 2], ['c', 3], ['d', 4]]);
    p.ack(4);
    expect(p.bytes).toBe(0);
  });

  it('unacknowledged sends count against the bounds and are never evicted', () => {
    const { p, errors } = pump({ reliable: true, queue: { maxMessages: 2, overflow: 'drop-oldest' } });
    p.attach(target(true));
    p.push('a');
    p.push('b');
    expect(p.push('c')).toBe(false);
    expect(errors.map((e) => e.name)).toEqual(['QueueFullError']);
  });

  it('HTTP: seq on every POST; a 2xx is the acknowledgement; a retry keeps its seq', async () => {
    const { p } = pump({ reliable: true });
    const t = target(false);
    p.attach(t);
    p.push('a');
    p.push('b');
    t.written[0]!.settle!(new TypeError('lost'));
    await tick(100);
    t.written[1]!.settle!();
    await tick();
    expect(t.written.map((w) => [w.data, w.seq])).toEqual([['a', 1], ['a', 1], ['b', 2]]);
  });

  it('a Blob is read to bytes before it goes, in order', async () => {
    vi.useRealTimers();
    const { p } = pump({ reliable: true });
    const t = target(true);
    p.attach(t);
    p.push(new Blob(['xy']));
    p.push('after');
    await vi.waitFor(() => expect(t.written).toHaveLength(2));
    expect(t.written[0]!.data).toBeInstanceOf(ArrayBuffer);
    expect(t.written.map((w) => w.seq)).toEqual([1, 2]);
  });
});
