import { describe, expect, it } from 'vitest';
import { Reconnector } from '../../src/client/reconnector.js';
import { DEFAULT_RECONNECT, shouldReconnect } from '../../src/policy/policy.js';
import type { CloseInfo } from '../../src/types.js';

const policy = { ...DEFAULT_RECONNECT, jitter: 'none' as const, initialDelayMs: 100, maxDelayMs: 1000 };
const drop: CloseInfo = { code: 1006, reason: '', wasClean: false };
const make = (canRefresh = false, p = policy): Reconnector => new Reconnector(p, shouldReconnect, canRefresh);

describe('Reconnector', () => {
  it('counts attempts and grows the delay; fatal closes give up', () => {
    const r = make();
    expect([r.next(drop), r.next(drop), r.next(drop)]).toEqual([100, 200, 400]);
    expect(r.attempt).toBe(3);
    expect(r.next({ code: 1008, reason: '', wasClean: true })).toBeUndefined();
    expect(r.next({ ...drop, byUser: true })).toBeUndefined();
  });

  it('gives up after maxAttempts, and maxAttempts 0 never retries', () => {
    const r = make(false, { ...policy, maxAttempts: 2 });
    expect([r.next(drop), r.next(drop), r.next(drop)]).toEqual([100, 200, undefined]);
    expect(make(false, { ...policy, maxAttempts: 0 }).next(drop)).toBeUndefined();
  });

  it('proven() starts the backoff over', () => {
    const r = make();
    r.next(drop);
    r.next(drop);
    r.proven();
    expect(r.attempt).toBe(0);
    expect(r.next(drop)).toBe(100);
  });

  it('one immediate retry per streak for refused credentials that can be refreshed', () => {
    const r = make(true);
    const refused: CloseInfo = { code: 4401, reason: '', wasClean: true };
    expect(r.next(refused)).toBe(0);
    expect(r.next(refused)).toBeUndefined();
    r.proven();
    expect(r.next({ ...drop, status: 403 })).toBe(0);
    expect(make(false).next(refused)).toBeUndefined();
    expect(make(true).next({ ...refused, code: 4404 })).toBeUndefined();
  });

  it('a retry: hint floors every delay until reset(); Retry-After floors one; both capped by maxHintMs', () => {
    const r = make(false, { ...policy, maxHintMs: 5000 });
    r.hint(3000);
    expect(r.next(drop)).toBe(3000);
    expect(r.next(drop)).toBe(3000);
    expect(r.next({ ...drop, retryAfterMs: 4000 })).toBe(4000);
    expect(r.next({ ...drop, retryAfterMs: 99999999 })).toBe(5000);
    r.reset();
    expect(r.attempt).toBe(0);
    expect(r.next(drop)).toBe(100);
  });
});
