import { describe, expect, it } from 'vitest';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { resolveOptions } from '../../src/policy/options.js';

const make = (options: Options): RealtimeClient => new RealtimeClient('ws://127.0.0.1:9/', { autoConnect: false, ...options });

describe('option validation: a RangeError or TypeError from the constructor, naming the option', () => {
  const bad: Array<[string, Options, 'RangeError' | 'TypeError']> = [
    ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: -1000 } }, 'RangeError'],
    ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: NaN } }, 'RangeError'],
    ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: 1.5 } }, 'RangeError'],
    ['reconnect.maxDelayMs', { reconnect: { maxDelayMs: Infinity } }, 'RangeError'],
    ['reconnect.factor', { reconnect: { factor: 0.5 } }, 'RangeError'],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: -1 } }, 'RangeError'],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: 2.5 } }, 'RangeError'],
    ['reconnect.minUptimeMs', { reconnect: { minUptimeMs: -1 } }, 'RangeError'],
    ['reconnect.maxHintMs', { reconnect: { maxHintMs: 2 ** 31 } }, 'RangeError'],
    ['reconnect.jitter', { reconnect: { jitter: 'decorrelated' as 'full' } }, 'TypeError'],
    ['connectTimeoutMs', { connectTimeoutMs: 0 }, 'RangeError'],
    ['connectTimeoutMs', { connectTimeoutMs: '5000' as unknown as number }, 'TypeError'],
    ['heartbeat.intervalMs', { heartbeat: { intervalMs: NaN } }, 'RangeError'],
    ['heartbeat.timeoutMs', { heartbeat: { intervalMs: 100, timeoutMs: -1 } }, 'RangeError'],
    ['idleTimeoutMs', { idleTimeoutMs: 0 }, 'RangeError'],
    ['queue.maxMessages', { queue: { maxMessages: -1 } }, 'RangeError'],
    ['queue.maxBytes', { queue: { maxBytes: 0.5 } }, 'RangeError'],
    ['queue.overflow', { queue: { overflow: 'drop-newest' as 'reject' } }, 'TypeError'],
    ['eventSource', { eventSource: 'polyfill' as 'native' }, 'TypeError'],
    ['binaryType', { binaryType: 'text' as BinaryType }, 'TypeError'],
    ['lifecycle.hidden', { lifecycle: { hidden: 'close' as 'keep' } }, 'TypeError'],
    ['longPoll.timeoutMs', { longPoll: { timeoutMs: -5 } }, 'RangeError'],
    ['pollIntervalMs', { pollIntervalMs: 0 }, 'RangeError'],
    ['upload.chunkSize', { upload: { chunkSize: 0 } }, 'RangeError'],
    ['upload.highWaterMark', { upload: { highWaterMark: NaN } }, 'RangeError'],
    ['transports', { transports: ['carrier-pigeon' as 'sse'] }, 'TypeError'],
  ];
  it.each(bad)('%s', (name, options, type) => {
    expect(() => make(options)).toThrowError(expect.objectContaining({ name: type, message: expect.stringContaining(name) }));
  });

  it('subprotocols are validated as the browser does (SyntaxError DOMException)', () => {
    for (const protocols of [['a', 'a'], ['bad protocol'], ['']]) {
      expect(() => make({ protocols })).toThrowError(expect.objectContaining({ name: 'SyntaxError' }));
    }
  });

  it('a transports entry is validated with its own overrides', () => {
    expect(() => make({ transports: [{ name: 'long-poll', longPoll: { timeoutMs: 0 } }] })).toThrowError(/longPoll.timeoutMs/);
  });

  it('the boundaries themselves are accepted', () => {
    expect(() => make({
      reconnect: { initialDelayMs: 0, maxDelayMs: 2 ** 31 - 1, factor: 1, maxAttempts: Infinity, minUptimeMs: 0, maxHintMs: 0, jitter: 'none' },
      connectTimeoutMs: 1, queue: { maxMessages: 0, maxBytes: 0 }, heartbeat: { intervalMs: 1, timeoutMs: 0 },
    })).not.toThrow();
  });

  it('partial objects merge over the defaults; reconnect: false never retries', () => {
    const r = resolveOptions({ reconnect: { initialDelayMs: 50 }, queue: { maxMessages: 5 }, heartbeat: { intervalMs: 100 } });
    expect(r.reconnect).toMatchObject({ initialDelayMs: 50, maxDelayMs: 30000, factor: 2, jitter: 'full', maxAttempts: Infinity, minUptimeMs: 5000, maxHintMs: 3600000 });
    expect(r.queue).toEqual({ maxMessages: 5, maxBytes: 1048576, overflow: 'reject' });
    expect(r.heartbeat).toEqual({ intervalMs: 100, timeoutMs: 100, message: 'ping', reply: 'pong' });
    expect(resolveOptions({ reconnect: false }).reconnect.maxAttempts).toBe(0);
    expect(resolveOptions({}).sessionId).toMatch(/^[0-9a-f-]{32,36}$/);
  });
});
