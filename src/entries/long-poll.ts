/**
 * `pushline/long-poll`: a `RealtimeClient` with only the fetch long-polling
 * transport, for apps that want the smallest bundle.
 * @packageDocumentation
 */
import { RealtimeClientBase } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { longPoll } from '../transports/long-poll.js';
import type { SendData, UrlInput } from '../types.js';

/** `RealtimeClient` over long-polling only; `send()` POSTs to `sendUrl`. */
export class RealtimeClient<In = unknown, Out = SendData> extends RealtimeClientBase<In, Out> {
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, { transports: [longPoll], defaults: ['long-poll'] });
  }
}

export * from '../public.js';
