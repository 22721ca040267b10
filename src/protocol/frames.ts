/**
 * The `pushline.v1` WebSocket framing (reliable mode), pure: every frame is one
 * UTF-8 JSON text frame. Server to client: `message` (with `id`, optional `event`,
 * `data` or `base64`), cumulative `ack`, `reset`, `pong`. Client to server:
 * `message` (with `seq`, `data` or `base64`) and `ping`.
 */
import { ProtocolError } from '../errors.js';

/** The subprotocol a reliable WebSocket asks for. */
export const SUBPROTOCOL = 'pushline.v1';

/** A decoded server frame. */
export type ServerFrame =
  | { readonly type: 'message'; readonly id: string; readonly event: string | undefined; readonly data: string | Uint8Array }
  | { readonly type: 'ack'; readonly seq: number }
  | { readonly type: 'reset' }
  | { readonly type: 'pong' };

/** Standard base64 of bytes, in slices so a large payload never overflows the argument list. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Bytes of standard base64; throws on anything else. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** One client send as a frame: text as `data`, bytes as `base64`. */
export function encodeMessage(data: string | ArrayBufferLike | ArrayBufferView, seq: number): string {
  if (typeof data === 'string') return JSON.stringify({ type: 'message', seq, data });
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  return JSON.stringify({ type: 'message', seq, base64: toBase64(bytes) });
}

/** The heartbeat frame. */
export const PING = '{"type":"ping"}';

const bad = (why: string, cause?: unknown): ProtocolError => new ProtocolError(`malformed pushline.v1 frame: ${why}`, cause);

/** Decodes one server frame; throws a `ProtocolError` for anything that is not a valid one. */
export function decodeFrame(raw: unknown): ServerFrame {
  if (typeof raw !== 'string') throw bad('not a text frame');
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(raw) as Record<string, unknown>;
  } catch (cause) {
    throw bad('not JSON', cause);
  }
  if (typeof f !== 'object' || f === null) throw bad('not an object');
  switch (f['type']) {
    case 'message': {
      const { id, event, data, base64 } = f;
      if (typeof id !== 'string') throw bad('message without a string id');
      if (event !== undefined && typeof event !== 'string') throw bad('event is not a string');
      if (typeof data === 'string') return { type: 'message', id, event, data };
      if (typeof base64 !== 'string') throw bad('message without data or base64');
      try {
        return { type: 'message', id, event, data: fromBase64(base64) };
      } catch (cause) {
        throw bad('invalid base64', cause);
      }
    }
    case 'ack': {
      const seq = f['seq'];
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw bad('ack without a valid seq');
      return { type: 'ack', seq };
    }
    case 'reset':
      return { type: 'reset' };
    case 'pong':
      return { type: 'pong' };
    default:
      throw bad(`unknown type ${JSON.stringify(f['type'])}`);
  }
}
