import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT, nextDelay, parseRetryAfter, shouldReconnect, isAuthFailure } from '../../src/policy/policy.js';
import type { CloseInfo } from '../../src/types.js';

const policy = { ...DEFAULT_RECONNECT };

describe('nextDelay', () => {
  it('caps at initialDelayMs * factor^(n-1), bounded by maxDelayMs', () => {
    const none = { ...policy, jitter: 'none' as const };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => nextDelay(none, n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(nextDelay({ ...none, factor: 3, initialDelayMs: 10 }, 3)).toBe(90);
  });

  it('full jitter: attempt 1 and attempts from 4 on draw from [0, cap]', () => {
    for (const attempt of [1, 4, 5]) {
      const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
      expect(nextDelay(policy, attempt, 0, () => 0)).toBe(0);
      expect(nextDelay(policy, attempt, 0, () => 0.999999)).toBeCloseTo(cap, -1);
      expect(nextDelay(policy, attempt, 0, () => 0.5)).toBe(cap / 2);
    }
  });

  it('attempts 2 and 3 draw from [previous cap, cap]: the crowd of one wave never piles into the next', () => {
    expect(nextDelay(policy, 2, 0, () => 0)).toBe(policy.initialDelayMs);
    expect(nextDelay(policy, 2, 0, () => 0.999999)).toBeCloseTo(policy.initialDelayMs * 2, -1);
    expect(nextDelay(policy, 3, 0, () => 0)).toBe(policy.initialDelayMs * 2);
    expect(nextDelay(policy, 3, 0, () => 0.5)).toBe(policy.initialDelayMs * 3);
  });

  it('a server hint is a floor, capped at maxHintMs', () => {
    expect(nextDelay(policy, 1, 5000, () => 0)).toBe(5000);
    expect(nextDelay({ ...policy, maxHintMs: 2000 }, 1, 99999999999, () => 0)).toBe(2000);
    expect(nextDelay(DEFAULT_RECONNECT, 1, 4294967297, () => 0)).toBe(3600000);
  });

  it('full jitter spreads evenly over [0, cap] with the real Math.random', () => {
    const samples = Array.from({ length: 20000 }, () => nextDelay(policy, 4));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(8000);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(3800);
    expect(mean).toBeLessThan(4200);
    // every tenth of the range gets roughly a tenth of the draws
    const buckets = new Array<number>(10).fill(0);
    for (const s of samples) buckets[Math.min(9, Math.floor(s / 800))]!++;
    for (const b of buckets) expect(b).toBeGreaterThan(1600);
  });

  it('uses a server hint as a floor, never as a ceiling', () => {
    expect(nextDelay(policy, 1, 5000, () => 0.5)).toBe(5000);
    expect(nextDelay({ ...policy, jitter: 'none' }, 5, 3000)).toBe(16000);
    expect(nextDelay(policy, 8, 60000, () => 1)).toBe(60000);
  });
});

describe('shouldReconnect: the classification table', () => {
  const close = (code: number, extra: Partial<CloseInfo> = {}): CloseInfo => ({ code, reason: '', wasClean: true, ...extra });
  it.each([1002, 1003, 1007, 1008, 1009, 1010, 1015, 4400, 4401, 4403, 4404, 4499])('close code %i is fatal', (code) => {
    expect(shouldReconnect(close(code))).toBe(false);
  });
  it.each([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 3000, 4000, 4399, 4408, 4429, 4500, 4999])('close code %i retries', (code) => {
    expect(shouldReconnect(close(code))).toBe(true);
  });
  it.each([204, 400, 401, 403, 404, 405, 410, 422])('HTTP %i is fatal', (status) => {
    expect(shouldReconnect(close(1006, { status }))).toBe(false);
  });
  it.each([408, 425, 429, 500, 502, 503, 504, 599])('HTTP %i retries', (status) => {
    expect(shouldReconnect(close(1006, { status }))).toBe(true);
  });
  it('never retries after the user closed', () => {
    expect(shouldReconnect(close(1006, { byUser: true }))).toBe(false);
  });
  it('recognises refused credentials by status or close code', () => {
    expect([401, 403].map((status) => isAuthFailure(close(1006, { status })))).toEqual([true, true]);
    expect([4401, 4403, 4400, 1008].map((code) => isAuthFailure(close(code)))).toEqual([true, true, false, false]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:30 GMT', now)).toBe(30000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and malformed values', () => {
    expect([null, undefined, '', 'soon', '-5', '1.5'].map((v) => parseRetryAfter(v))).toEqual(
      [undefined, undefined, undefined, undefined, undefined, undefined],
    );
  });
});
