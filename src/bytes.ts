import type { SendData } from './types.js';

/**
 * UTF-8 length of a string as a `USVString`: lone surrogates count as U+FFFD
 * (3 bytes), which is what `TextEncoder` and `WebSocket.close()` measure.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Bytes a payload occupies on the wire, as `WebSocket.bufferedAmount` counts them. */
export function byteLength(data: SendData): number {
  if (typeof data === 'string') return utf8Length(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return (data as Blob).size ?? 0;
}
