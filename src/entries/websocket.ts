/**
 * `pushline/websocket`: a `RealtimeClient` with only the WebSocket transport
 * (and chunked upload), for apps that want the smallest bundle.
 * @packageDocumentation
 */
import { RealtimeClientBase } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { websocket } from '../transports/websocket.js';
import { lazyUpload as upload } from '../upload/index.js';
import type { SendData, UrlInput } from '../types.js';

/** `RealtimeClient` over WebSocket only. */
export class RealtimeClient<In = unknown, Out = SendData> extends RealtimeClientBase<In, Out> {
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, { transports: [websocket], defaults: ['websocket'], upload });
  }
}

export * from '../public.js';
