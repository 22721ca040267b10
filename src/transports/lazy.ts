import { RealtimeError } from '../errors.js';
import type { Transport, TransportFactory } from '../transport.js';
import type { TransportName } from '../types.js';

/**
 * A transport whose code is loaded on first use: the factory is in the bundle, the
 * transport in a chunk of its own. For transports an entry offers but does not use
 * by default (worker-poll in `pushline`), so apps that never list them never load them.
 * Until the chunk is there the connection is CONNECTING; a close before that ends it.
 */
export const lazy = (name: TransportName, scheme: 'ws' | 'http', load: () => Promise<TransportFactory>): TransportFactory => ({
  name,
  scheme,
  create(ctx) {
    let live: Transport | undefined;
    let closed = false;
    let binaryType = ctx.options.binaryType;
    const unavailable = (cause: unknown): void =>
      void (closed || ctx.sink.close({ code: 1006, reason: '', wasClean: false, error: new RealtimeError('unavailable', `${name} could not start`, cause) }));
    load().then((factory) => {
      if (closed) return;
      try {
        live = factory.create(ctx);
        live.binaryType = binaryType;
      } catch (cause) {
        unavailable(cause);
      }
    }, unavailable);
    return {
      get readyState() {
        return live?.readyState ?? (closed ? 3 : 0);
      },
      get bufferedAmount() {
        return live?.bufferedAmount ?? 0;
      },
      get protocol() {
        return live?.protocol ?? '';
      },
      get extensions() {
        return live?.extensions ?? '';
      },
      get binaryType() {
        return binaryType;
      },
      set binaryType(value) {
        binaryType = value;
        if (live) live.binaryType = value;
      },
      send: (data, seq, signal) => live!.send(data, seq, signal),
      close(code, reason) {
        if (live) return live.close(code, reason);
        if (!closed) ctx.sink.close({ code: code ?? 1005, reason: reason ?? '', wasClean: true });
        closed = true;
      },
      listen: (type) => live?.listen?.(type),
    };
  },
});
