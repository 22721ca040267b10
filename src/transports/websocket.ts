import type { Transport, TransportFactory } from '../transport.js';

/** WebSocket transport: a thin adapter, the browser's state and buffer shown as they are. */
export const websocket: TransportFactory = {
  name: 'websocket',
  scheme: 'ws',
  create({ url, options, sink }): Transport {
    const WS = options.WebSocket;
    if (!WS) throw new TypeError('no WebSocket');
    const ws = options.protocols.length ? new WS(url, options.protocols) : new WS(url);
    ws.onopen = () => sink.open();
    ws.onmessage = (e) => sink.message('message', e.data, undefined, e.origin);
    // `error` is always followed by `close`, which carries what there is to know; the
    // listener must exist all the same: Node's `ws` throws an unhandled `error` event
    ws.onerror = () => {};
    ws.onclose = (e) => sink.close({ code: e.code, reason: e.reason, wasClean: e.wasClean });
    return {
      get readyState() {
        return ws.readyState;
      },
      // happy-dom and mock-socket have no bufferedAmount
      get bufferedAmount() {
        return ws.bufferedAmount ?? 0;
      },
      get protocol() {
        return ws.protocol ?? '';
      },
      get extensions() {
        return ws.extensions ?? '';
      },
      duplex: true,
      get binaryType() {
        return ws.binaryType;
      },
      set binaryType(value) {
        ws.binaryType = value;
      },
      send: (data) => ws.send(data as Parameters<WebSocket['send']>[0]),
      close: (code, reason) => (code === undefined ? ws.close() : ws.close(code, reason)),
    };
  },
};
