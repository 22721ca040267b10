// The pure rules under every log: the id format, the cursor classification,
// and the in-memory dedupe state's bounds.
import { describe, expect, it } from 'vitest';
import { classifyCursor, memoryLog, newEpoch, parseId } from '../../src/entries/server.js';
import { memorySessions } from '../../src/server/sessions.js';

describe('ids', () => {
  it('parses <epoch>-<n> and <epoch>-<ms>-<seq>, and nothing else', () => {
    expect(parseId('abc123xyz0-42')).toEqual({ epoch: 'abc123xyz0', position: [42, 0] });
    expect(parseId('abc123xyz0-1764620000000-3')).toEqual({ epoch: 'abc123xyz0', position: [1764620000000, 3] });
    for (const bad of ['', '-1', 'abc', 'abc-', 'abc-x', 'ABC-1', 'abc-1-2-3', 'abc--1', 'a b-1', `abc-${'9'.repeat(17)}`]) expect(parseId(bad), bad).toBeUndefined();
  });

  it('epochs are 10 base-36 characters, and differ', () => {
    const epochs = new Set(Array.from({ length: 100 }, newEpoch));
    expect(epochs.size).toBe(100);
    for (const e of epochs) expect(e).toMatch(/^[0-9a-z]{10}$/);
  });

  it('memoryLog ids carry their instance: two logs never share an epoch', async () => {
    const a = await memoryLog().append(undefined, 'x');
    const b = await memoryLog().append(undefined, 'x');
    expect(parseId(a)!.epoch).not.toBe(parseId(b)!.epoch);
    expect(parseId(a)!.position).toEqual([1, 0]);
  });
});

describe('classifyCursor', () => {
  const head = [10, 0] as const;
  it('no cursor resumes nothing; a cursor of this epoch within the kept range resumes exactly', () => {
    expect(classifyCursor(undefined, 'ep', head, [0, 0])).toEqual({ reset: undefined, after: undefined });
    expect(classifyCursor('ep-4', 'ep', head, [3, 0])).toEqual({ reset: undefined, after: [4, 0] });
    // the newest trimmed position itself is fine: nothing after it is missing
    expect(classifyCursor('ep-3', 'ep', head, [3, 0])).toEqual({ reset: undefined, after: [3, 0] });
    expect(classifyCursor('ep-10', 'ep', head, [3, 0])).toEqual({ reset: undefined, after: [10, 0] });
  });

  it('trimmed, foreign, malformed and future cursors reset to the head', () => {
    expect(classifyCursor('ep-2', 'ep', head, [3, 0])).toEqual({ reset: 'trimmed', after: head });
    expect(classifyCursor('other-5', 'ep', head, [0, 0])).toEqual({ reset: 'unknown', after: head });
    expect(classifyCursor('nonsense', 'ep', head, [0, 0])).toEqual({ reset: 'unknown', after: head });
    expect(classifyCursor('ep-11', 'ep', head, [0, 0])).toEqual({ reset: 'unknown', after: head });
  });
});

describe('memorySessions', () => {
  it('claims each seq once; a retried claim with the same token stays fresh; release undoes only the newest claim', async () => {
    const s = memorySessions();
    expect(await s.claim('a', 1, 't1')).toEqual({ fresh: true, last: 1 });
    expect(await s.claim('a', 1, 't2')).toEqual({ fresh: false, last: 1 });
    expect(await s.claim('a', 1, 't1')).toEqual({ fresh: true, last: 1 });
    expect(await s.claim('a', 3, 't3')).toEqual({ fresh: true, last: 3 });
    expect(await s.claim('a', 2, 't4')).toEqual({ fresh: false, last: 3 });
    await s.release('a', 3, 'other token');
    expect(await s.claim('a', 3, 't5')).toEqual({ fresh: false, last: 3 });
    await s.release('a', 3, 't3');
    expect(await s.claim('a', 3, 't6')).toEqual({ fresh: true, last: 3 });
  });

  it('forgets sessions after ttlMs of silence, and the least recently active beyond maxSessions', async () => {
    let now = 0;
    const s = memorySessions({ ttlMs: 1000, maxSessions: 2, now: () => now });
    await s.claim('a', 1, 't');
    now = 999;
    expect((await s.claim('a', 1, 'u')).fresh).toBe(false);
    now = 1999;
    expect((await s.claim('a', 1, 'v')).fresh).toBe(true);
    await s.claim('b', 1, 't');
    await s.claim('a', 2, 't');
    await s.claim('c', 1, 't');
    // b was the least recently active: gone, so its seq 1 is new again
    expect(s.size).toBe(2);
    expect((await s.claim('b', 1, 'w')).fresh).toBe(true);
  });
});
