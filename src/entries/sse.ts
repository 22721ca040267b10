/**
 * `pushline/sse`: a `RealtimeClient` with Server-Sent Events only (native `EventSource` or a fetch-stream reader); `send()` POSTs to `sendUrl`.
 * @packageDocumentation
 */
import { ClientCore } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { sse } from '../transports/sse.js';
import type { SendData, UrlInput } from '../types.js';

const registry = { transports: [sse], defaults: ['sse'] } as const;

/**
 * A `RealtimeClient` with Server-Sent Events only (native `EventSource` or a fetch-stream reader); `send()` POSTs to `sendUrl`.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends ClientCore<In, Out, 'sse'> {
  /**
   * @param url - where to connect; a function is called before every attempt
   * @param options - every option is optional; see `Options`
   */
  constructor(url: UrlInput<'sse'>, options: Options<In, Out, 'sse'> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
