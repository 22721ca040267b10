/**
 * `pushline/websocket`: a `RealtimeClient` with WebSocket only (and chunked upload), for apps that want the smallest bundle.
 * @packageDocumentation
 */
import { ClientCore } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { websocket } from '../transports/websocket.js';
import type { SendData, UrlInput } from '../types.js';
import { lazyUpload as upload } from '../upload/index.js';

const registry = { upload, transports: [websocket], defaults: ['websocket'] } as const;

/**
 * A `RealtimeClient` with WebSocket only (and chunked upload), for apps that want the smallest bundle.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends ClientCore<In, Out, 'websocket'> {
  /**
   * @param url - where to connect; a function is called before every attempt
   * @param options - every option is optional; see `Options`
   */
  constructor(url: UrlInput<'websocket'>, options: Options<In, Out, 'websocket'> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
