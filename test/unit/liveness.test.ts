import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchLiveness } from '../../src/client/liveness.js';
import { resolveOptions, type Options } from '../../src/policy/options.js';
import type { Transport } from '../../src/transport.js';

const transport = (canPing: boolean): Transport & { pings: number } => {
  const t = { pings: 0, readyState: 1, bufferedAmount: 0, protocol: '', extensions: '', binaryType: 'blob' as BinaryType, send() {}, close() {} };
  return canPing ? Object.assign(t, { ping: () => void t.pings++ }) : t;
};
const tick = (ms: number): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const watch = (options: Options, canPing = true) => {
  const live = transport(canPing);
  const fail = vi.fn();
  const w = watchLiveness(resolveOptions(options), live, fail);
  return { live, fail, w };
};

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('watchLiveness', () => {
  it('no deadline, no watch: nothing runs', () => {
    expect(watch({}).w).toBeUndefined();
    // heartbeat needs a transport that can ping
    expect(watch({ heartbeat: { intervalMs: 100 } }, false).w).toBeUndefined();
  });

  it('idle: inbound data keeps it; silence fails between 1 and 1.25 x idleTimeoutMs after the last data', async () => {
    const { w, fail } = watch({ idleTimeoutMs: 1000 }, false);
    for (let i = 0; i < 10; i++) {
      await tick(500);
      w!.seen = true;
    }
    expect(fail).not.toHaveBeenCalled();
    await tick(999);
    expect(fail).not.toHaveBeenCalled();
    await tick(251);
    expect(fail).toHaveBeenCalledTimes(1);
    expect(fail.mock.calls[0]![0]).toBeGreaterThanOrEqual(1000);
    await tick(5000);
    expect(fail).toHaveBeenCalledTimes(1);
  });

  it('heartbeat: a ping every intervalMs; replies keep it; silence past intervalMs + timeoutMs fails', async () => {
    const { w, live, fail } = watch({ heartbeat: { intervalMs: 1000, timeoutMs: 500 } });
    for (let i = 1; i <= 4; i++) {
      await tick(1000);
      expect(live.pings).toBe(i);
      w!.seen = true;
    }
    await tick(1400);
    expect(fail).not.toHaveBeenCalled();
    await tick(500);
    expect(fail).toHaveBeenCalledTimes(1);
  });

  it('stop() ends it; many watches share one pending timer', async () => {
    const all = Array.from({ length: 50 }, (_, i) => watch({ heartbeat: { intervalMs: 1000 + i } }));
    expect(vi.getTimerCount()).toBe(1);
    for (const { w } of all) w!.stop();
    expect(vi.getTimerCount()).toBe(0);
    await tick(10000);
    expect(all.every(({ fail, live }) => !fail.mock.calls.length && live.pings === 0)).toBe(true);
  });
});
