/**
 * `pushline/long-poll`: a `RealtimeClient` with fetch long-polling only; `send()` POSTs to `sendUrl`.
 * @packageDocumentation
 */
import { ClientCore } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { longPoll } from '../transports/long-poll.js';
import type { SendData, UrlInput } from '../types.js';

const registry = { transports: [longPoll], defaults: ['long-poll'] } as const;

/**
 * A `RealtimeClient` with fetch long-polling only; `send()` POSTs to `sendUrl`.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends ClientCore<In, Out, 'long-poll'> {
  /**
   * @param url - where to connect; a function is called before every attempt
   * @param options - every option is optional; see `Options`
   */
  constructor(url: UrlInput<'long-poll'>, options: Options<In, Out, 'long-poll'> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
