import type { SendData } from './types.js';

const encoder = new TextEncoder();

/**
 * UTF-8 length of a string as a `USVString`: lone surrogates count as U+FFFD
 * (3 bytes), which is what `TextEncoder` and `WebSocket.close()` measure.
 */
export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Bytes a payload occupies on the wire, as `WebSocket.bufferedAmount` counts them. */
export function byteLength(data: SendData): number {
  if (typeof data === 'string') return utf8Length(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return (data as Blob).size ?? 0;
}
