/**
 * `pushline/sse`: a `RealtimeClient` with only the Server-Sent Events transport
 * (native `EventSource` or a fetch-stream reader), for apps that want the smallest bundle.
 * @packageDocumentation
 */
import { RealtimeClientBase } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { sse } from '../transports/sse.js';
import type { SendData, UrlInput } from '../types.js';

/** `RealtimeClient` over Server-Sent Events only; `send()` POSTs to `sendUrl`. */
export class RealtimeClient<In = unknown, Out = SendData> extends RealtimeClientBase<In, Out> {
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, { transports: [sse], defaults: ['sse'] });
  }
}

export * from '../public.js';
