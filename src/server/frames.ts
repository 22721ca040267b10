// Wire encodings of one log entry. Each is computed once per entry and shared
// by every connection it goes to: with a thousand clients, serializing per
// connection would cost more than writing.
import type { LogEntry, ResetReason } from './log.js';

/** The SSE event that tells a client its cursor could not be resumed. */
export const RESET_EVENT = 'pushline.reset';
/** The reliable WebSocket subprotocol. */
export const RELIABLE_PROTOCOL = 'pushline.v1';
/** The upload WebSocket subprotocol. */
export const UPLOAD_PROTOCOL = 'pushline-upload.v1';

const sseCache = new WeakMap<LogEntry, Buffer>();
const jsonCache = new WeakMap<LogEntry, Buffer>();
const plainCache = new WeakMap<LogEntry, Buffer>();

/**
 * A whole unmasked WebSocket frame (RFC 6455 section 5.2): FIN, the opcode
 * (1 text, 2 binary), the length, the payload. Server frames are never masked,
 * so one encoding serves every connection.
 */
export function wsFrame(payload: Buffer, opcode: 1 | 2): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

const base64 = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');

/** `data:` lines for any text: every line ending starts a new line, so none can end the event early. */
function dataLines(text: string): string {
  let out = '';
  for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out;
}

/** One entry as an SSE event, UTF-8 (bytes as base64 text: the format carries text only). */
export function sseEvent(entry: LogEntry): Buffer {
  let bytes = sseCache.get(entry);
  if (bytes === undefined) {
    const data = typeof entry.data === 'string' ? entry.data : base64(entry.data);
    bytes = Buffer.from(`id: ${entry.id}\n${entry.event === undefined ? '' : `event: ${entry.event}\n`}${dataLines(data)}\n`);
    sseCache.set(entry, bytes);
  }
  return bytes;
}

/**
 * The reset signal for SSE and long-poll: a named event with a `data:` line
 * (EventSource dispatches nothing without one) and the head as its id, so the
 * client's cursor is valid from here on.
 */
export const sseReset = (reason: ResetReason, head: string): string =>
  `event: ${RESET_EVENT}\nid: ${head}\ndata: ${JSON.stringify({ reason })}\n\n`;

/** An id-only block: moves the client's cursor to `head` without dispatching an event. */
export const sseCursor = (head: string): string => `id: ${head}\n\n`;

/** One entry as a whole `pushline.v1` message frame (a text frame of JSON). */
export function jsonFrame(entry: LogEntry): Buffer {
  let bytes = jsonCache.get(entry);
  if (bytes === undefined) {
    const event = entry.event === undefined ? '' : `,"event":${JSON.stringify(entry.event)}`;
    const body = typeof entry.data === 'string' ? `"data":${JSON.stringify(entry.data)}` : `"base64":"${base64(entry.data)}"`;
    bytes = wsFrame(Buffer.from(`{"type":"message","id":${JSON.stringify(entry.id)}${event},${body}}`), 1);
    jsonCache.set(entry, bytes);
  }
  return bytes;
}

/** One entry as a whole plain WebSocket frame: its data, no id, no name (text frame for text, binary for bytes). */
export function plainFrame(entry: LogEntry): Buffer {
  let bytes = plainCache.get(entry);
  if (bytes === undefined) {
    const data = entry.data;
    bytes = typeof data === 'string' ? wsFrame(Buffer.from(data), 1) : wsFrame(Buffer.from(data.buffer, data.byteOffset, data.byteLength), 2);
    plainCache.set(entry, bytes);
  }
  return bytes;
}

export const RESET_FRAME = '{"type":"reset"}';
export const PONG_FRAME = '{"type":"pong"}';
export const ackFrame = (seq: number): string => `{"type":"ack","seq":${seq}}`;

/** A client frame of `pushline.v1`, decoded; `undefined` for a frame type this version ignores. */
export type ClientFrame = { type: 'ping' } | { type: 'message'; seq: number; data: string | Buffer };

/** Decodes one client text frame; throws a `SyntaxError` naming the problem for a malformed one. */
export function decodeClientFrame(text: string): ClientFrame | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw new SyntaxError('frame is not JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new SyntaxError('frame is not an object');
  const f = frame as Record<string, unknown>;
  if (f['type'] === 'ping') return { type: 'ping' };
  if (f['type'] !== 'message') {
    if (typeof f['type'] !== 'string') throw new SyntaxError('frame has no type');
    return undefined; // a newer client's frame: ignored, as the protocol allows
  }
  const seq = f['seq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new SyntaxError('message seq must be an integer >= 1');
  if (typeof f['data'] === 'string') return { type: 'message', seq, data: f['data'] };
  if (typeof f['base64'] === 'string' && BASE64.test(f['base64'])) return { type: 'message', seq, data: Buffer.from(f['base64'], 'base64') };
  throw new SyntaxError('message needs a string data or base64');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
