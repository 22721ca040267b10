import { describe, expect, it } from 'vitest';
import { SendQueue } from '../../src/client/queue.js';
import { utf8Length } from '../../src/bytes.js';

const drain = (q: SendQueue): unknown[] => {
  const out: unknown[] = [];
  while (q.length) {
    out.push(q.peek());
    q.shift();
  }
  return out;
};

describe('SendQueue', () => {
  it('keeps order and counts bytes of every payload kind', () => {
    const q = new SendQueue({ maxMessages: 10, maxBytes: 1000, overflow: 'reject' });
    const buf = new ArrayBuffer(8);
    const view = new Uint16Array(3);
    const blob = new Blob(['12345']);
    for (const item of ['héllo', buf, view, blob]) expect(q.push(item)).toBe(true);
    expect(q.bytes).toBe(6 + 8 + 6 + 5);
    expect(drain(q)).toEqual(['héllo', buf, view, blob]);
    expect(q.bytes).toBe(0);
  });

  it("'reject' refuses past maxMessages or maxBytes and keeps what it had", () => {
    const q = new SendQueue({ maxMessages: 2, maxBytes: 10, overflow: 'reject' });
    expect([q.push('a'), q.push('b'), q.push('c')]).toEqual([true, true, false]);
    const r = new SendQueue({ maxMessages: 10, maxBytes: 10, overflow: 'reject' });
    expect([r.push('12345'), r.push('123456'), r.push('12345')]).toEqual([true, false, true]);
    expect(drain(q)).toEqual(['a', 'b']);
  });

  it("'drop-oldest' evicts from the head until the new item fits", () => {
    const q = new SendQueue({ maxMessages: 3, maxBytes: 10, overflow: 'drop-oldest' });
    for (const s of ['a', 'b', 'c', 'd']) q.push(s);
    expect(drain(q)).toEqual(['b', 'c', 'd']);
    const r = new SendQueue({ maxMessages: 100, maxBytes: 10, overflow: 'drop-oldest' });
    for (const s of ['1234', '1234', '1234']) r.push(s);
    expect(r.bytes).toBe(8);
    expect(r.push('12345678901')).toBe(false); // larger than the whole budget: refused, nothing evicted
    expect(r.length).toBe(2);
  });

  it('stays correct across many push/shift cycles (compaction)', () => {
    const q = new SendQueue({ maxMessages: 1000, maxBytes: 1e6, overflow: 'reject' });
    const out: unknown[] = [];
    for (let i = 0; i < 500; i++) {
      q.push(String(i));
      q.push(String(-i));
      out.push(q.peek());
      q.shift();
    }
    out.push(...drain(q));
    expect(out).toEqual(Array.from({ length: 500 }, (_, i) => [String(i), String(-i)]).flat().sort((a, b) => out.indexOf(a) - out.indexOf(b)));
    expect(new Set(out).size).toBe(999); // '0' and '-0' differ, nothing lost or repeated
  });
});

describe('utf8Length', () => {
  it('matches TextEncoder, lone surrogates included', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00\ud83d']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});
