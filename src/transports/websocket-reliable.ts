import { ProtocolError } from '../errors.js';
import { decodeFrame, encodeMessage, PING, SUBPROTOCOL } from '../protocol/frames.js';
import { withCursor } from './http/request.js';
import type { CodecFactory } from './websocket.js';

/**
 * Reliable mode on a WebSocket: `pushline.v1` framing, the session and resume
 * cursor in the URL, acks and reset passed to the client. A separate chunk: apps
 * that never set `reliable` never load it.
 */
export const reliableCodec: CodecFactory = ({ url, lastEventId, options: o, sink }, binaryType) => ({
  url: withCursor(url, o, lastEventId),
  protocols: [...o.protocols, SUBPROTOCOL],
  opened: (ws) => (ws.protocol === SUBPROTOCOL ? undefined : new ProtocolError(`the server did not select the ${SUBPROTOCOL} subprotocol`)),
  inbound(raw, origin) {
    let frame;
    try {
      frame = decodeFrame(raw);
    } catch (error) {
      return sink.error(error as ProtocolError);
    }
    switch (frame.type) {
      case 'message': {
        const { data } = frame;
        const value = typeof data === 'string' ? data : binaryType() === 'blob' ? new Blob([data as Uint8Array<ArrayBuffer>]) : data.buffer;
        return sink.message(frame.event ?? 'message', value, frame.id, origin);
      }
      case 'ack':
        return sink.ack(frame.seq);
      case 'reset':
        return sink.reset();
      default:
        return sink.activity();
    }
  },
  outbound: (data, seq) => encodeMessage(data as string | ArrayBufferLike | ArrayBufferView, seq!),
  ping: PING,
});
