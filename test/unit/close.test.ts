import { describe, expect, it } from 'vitest';
import { clampUnsignedShort, validateClose } from '../../src/policy/close.js';

describe('WebIDL [Clamp] unsigned short', () => {
  it.each([
    [NaN, 0], [null, 0], ['1000', 1000], ['abc', 0], [999.5, 1000], [1000.5, 1000], [4999.5, 5000], [3000.4, 3000],
    [66536, 65535], [-64536, 0], [Infinity, 65535], [-Infinity, 0], [-0.5, 0], [true, 1], [[], 0], [[3001], 3001],
  ])('%s -> %i', (input, expected) => {
    expect(Object.is(clampUnsignedShort(input), expected)).toBe(true);
  });
  it('throws TypeError for Symbol and BigInt, as ToNumber does', () => {
    expect(() => clampUnsignedShort(Symbol('x'))).toThrow(TypeError);
    expect(() => clampUnsignedShort(10n)).toThrow(TypeError);
  });
});

describe('validateClose', () => {
  const name = (fn: () => unknown): string => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      return e instanceof DOMException ? e.name : (e as Error).constructor.name;
    }
  };

  it.each([
    [undefined, undefined, 'ok'], [1000, undefined, 'ok'], [3000, undefined, 'ok'], [4999, undefined, 'ok'],
    [999.5, undefined, 'ok'], // clamps and rounds to even: 1000 (Chromium truncates to 999 and throws)
    [4999.5, undefined, 'InvalidAccessError'], [66536, undefined, 'InvalidAccessError'], [-64536, undefined, 'InvalidAccessError'],
    [Infinity, undefined, 'InvalidAccessError'], [NaN, undefined, 'InvalidAccessError'], [null, undefined, 'InvalidAccessError'],
    ['x', undefined, 'InvalidAccessError'], [1001, undefined, 'InvalidAccessError'], [2999, undefined, 'InvalidAccessError'],
    [1000, 'a'.repeat(123), 'ok'], [1000, 'a'.repeat(124), 'SyntaxError'],
    [1000, 'é'.repeat(61) + 'a', 'ok'], [1000, 'é'.repeat(62), 'SyntaxError'],
    [1000, '\ud800'.repeat(41), 'ok'], [1000, '\ud800'.repeat(42), 'SyntaxError'], // lone surrogates count as U+FFFD
    [1000, '😀'.repeat(30) + 'abc', 'ok'], [1000, '😀'.repeat(31), 'SyntaxError'],
    [1001, 'a'.repeat(200), 'InvalidAccessError'], // code checked before reason
    [undefined, 'bye', 'ok'], // the standard allows a reason without a code
  ])('close(%s, %s) -> %s', (code, reason, expected) => {
    expect(name(() => validateClose(code, reason))).toBe(expected);
  });

  it('converts to what goes out: a reason without a code goes out with 1000, lone surrogates as U+FFFD', () => {
    expect(validateClose(undefined, 'bye')).toEqual({ code: 1000, reason: 'bye' });
    expect(validateClose()).toEqual({ code: undefined, reason: '' });
    expect(validateClose(999.5, null)).toEqual({ code: 1000, reason: 'null' });
    expect(validateClose(3000, 'a\ud800b')).toEqual({ code: 3000, reason: 'a\ufffdb' });
    expect(validateClose(3000, '\ud83d\ude00')).toEqual({ code: 3000, reason: '😀' });
  });

  it('throws DOMExceptions with the legacy codes browsers use', () => {
    let err: DOMException | undefined;
    try {
      validateClose(1);
    } catch (e) {
      err = e as DOMException;
    }
    expect(err).toBeInstanceOf(DOMException);
    expect(err?.code).toBe(15); // INVALID_ACCESS_ERR
  });
});
