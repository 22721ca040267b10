import { RealtimeError } from '../errors.js';
import type { Transport, TransportContext, TransportFactory } from '../transport.js';
import type { SendData } from '../types.js';

/** What reliable mode changes on a WebSocket (the `pushline.v1` framing, loaded on first use). */
export interface Codec {
  /** The connection URL with the session and the resume cursor. */
  readonly url: string;
  /** The subprotocols to ask for. */
  readonly protocols: string[];
  /** A problem with the opened socket (the server did not select the subprotocol), or undefined. */
  opened(ws: WebSocket): RealtimeError | undefined;
  /** One inbound frame. */
  inbound(data: unknown, origin: string): void;
  /** One outbound send as a frame. */
  outbound(data: SendData, seq: number | undefined): string;
  /** The heartbeat frame. */
  readonly ping: string;
}

/** Builds the reliable codec for one connection. */
export type CodecFactory = (ctx: TransportContext, binaryType: () => BinaryType) => Codec;

/**
 * WebSocket transport: a thin adapter, the browser's state and buffer shown as
 * they are. Plain mode carries the app's data as is; an inbound message equal
 * to `heartbeat.reply` proves liveness only. Reliable mode frames every message
 * (`pushline.v1`); its codec is a separate chunk, loaded before the first socket.
 */
export const websocket: TransportFactory = {
  name: 'websocket',
  scheme: 'ws',
  create(ctx): Transport {
    const { options: o, sink } = ctx;
    const WS = o.WebSocket;
    if (!WS) throw new TypeError('no WebSocket constructor: pass options.WebSocket');
    let ws: WebSocket | undefined;
    let codec: Codec | undefined;
    let closed = false;
    let binaryType = o.binaryType;
    const start = (make?: CodecFactory): void => {
      if (closed) return;
      codec = make?.(ctx, () => binaryType);
      const protocols = codec?.protocols ?? o.protocols;
      const s = (ws = protocols.length ? new WS(codec?.url ?? ctx.url, protocols) : new WS(ctx.url));
      s.binaryType = binaryType;
      let opened = false;
      let failed: string | undefined;
      const reply = o.heartbeat?.reply;
      s.onopen = () => {
        const error = codec?.opened(s);
        if (!error) return (opened = true), sink.open();
        s.close();
        sink.close({ code: 1002, reason: error.message, wasClean: false, error });
      };
      s.onmessage = codec
        ? (e) => codec!.inbound(e.data, e.origin)
        : (e) => (reply !== undefined && e.data === reply ? sink.activity() : sink.message('message', undefined, undefined, undefined, e));
      // the browser's own `error` precedes `close`; it is reported with the close, as one typed error.
      // (The listener must exist all the same: Node's `ws` throws an unhandled `error` event.)
      s.onerror = (e) => void (failed = (e as ErrorEvent).message ?? '');
      s.onclose = (e) => {
        // a browser opens a socket whose server selected no subprotocol (protocol ''), and
        // codec.opened() refuses it; Node's `ws` fails that handshake itself, saying so
        if (codec && !opened && /subprotocol/i.test(failed ?? '')) return s.onopen!(e);
        const error = failed !== undefined || !opened ? new RealtimeError('network', opened ? 'WebSocket failed' : 'WebSocket connection failed') : undefined;
        sink.close({ code: e.code, reason: e.reason, wasClean: e.wasClean, ...(error && { error }) });
      };
    };
    // a socket that cannot even start (a SecurityError, a missing codec chunk) is unavailable, once
    const unavailable = (cause: unknown): void =>
      void (closed || sink.close({ code: 1006, reason: '', wasClean: false, error: new RealtimeError('unavailable', 'the WebSocket could not start', cause) }));
    if (o.reliable) {
      import('./websocket-reliable.js').then((m) => {
        try {
          start(m.reliableCodec);
        } catch (cause) {
          unavailable(cause);
        }
      }, unavailable);
    } else start();
    return {
      get readyState() {
        return ws?.readyState ?? (closed ? 3 : 0);
      },
      // happy-dom and mock-socket have no bufferedAmount
      get bufferedAmount() {
        return ws?.bufferedAmount ?? 0;
      },
      get protocol() {
        return ws?.protocol ?? '';
      },
      get extensions() {
        return ws?.extensions ?? '';
      },
      get binaryType() {
        return binaryType;
      },
      set binaryType(value) {
        binaryType = value;
        if (ws) ws.binaryType = value;
      },
      send: (data, seq) => ws!.send(codec ? codec.outbound(data, seq) : (data as Parameters<WebSocket['send']>[0])),
      ping: () => ws!.send((codec?.ping ?? o.heartbeat?.message) as Parameters<WebSocket['send']>[0]),
      close(code, reason) {
        if (ws) return code === undefined ? ws.close() : ws.close(code, reason);
        // closed while the codec loads: nothing to wait for
        if (!closed) sink.close({ code: code ?? 1005, reason: reason ?? '', wasClean: true });
        closed = true;
      },
    };
  },
};
