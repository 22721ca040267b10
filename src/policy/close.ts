import { domError } from '../errors.js';
import { utf8Length } from '../bytes.js';

/** A close request after WebIDL conversion and validation. */
export interface CloseRequest {
  /** The code to hand the transport; 1000 when a reason came without a code. */
  code: number | undefined;
  /** The reason as a `USVString` (lone surrogates replaced by U+FFFD). */
  reason: string;
}

/** WebIDL `[Clamp] unsigned short`: NaN is 0, clamp, then round half to even. */
export function clampUnsignedShort(value: unknown): number {
  const x = +(value as number); // unary plus throws on BigInt and Symbol, as WebIDL does
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, 0), 65535);
  const floor = Math.floor(clamped);
  const diff = clamped - floor;
  if (diff > 0.5 || (diff === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/** WebIDL `USVString`: ToString, then lone surrogates become U+FFFD. */
export function toUSVString(value: unknown): string {
  return `${value as string}`.replace( // a template throws on Symbol, as WebIDL does
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
}

/**
 * Validates `close(code, reason)` exactly as the WebSockets Standard's `close()`
 * does: arguments are converted first (in order), then the code is checked
 * (1000 or 3000-4999, else `InvalidAccessError`), then the reason (at most 123
 * UTF-8 bytes, else `SyntaxError`). Unlike Chromium, a reason without a code is
 * allowed and goes out with 1000, as the standard says.
 */
export function validateClose(code?: unknown, reason?: unknown): CloseRequest {
  const numeric = code === undefined ? undefined : clampUnsignedShort(code);
  const text = reason === undefined ? '' : toUSVString(reason);
  if (numeric !== undefined && numeric !== 1000 && !(numeric >= 3000 && numeric <= 4999)) {
    throw domError('InvalidAccessError', `close code ${numeric} is not 1000 or 3000-4999`);
  }
  if (utf8Length(text) > 123) {
    throw domError('SyntaxError', 'close reason over 123 bytes');
  }
  // a reason given (even '') without a code goes out with 1000, as the closing handshake says
  return { code: numeric ?? (reason === undefined ? undefined : 1000), reason: text };
}
