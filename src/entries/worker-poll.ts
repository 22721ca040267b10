/**
 * `pushline/worker-poll`: a `RealtimeClient` with the Worker poller only, for status documents that must stay fresh in background tabs.
 * @packageDocumentation
 */
import { ClientCore } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { workerPoll } from '../transports/worker-poll/index.js';
import type { SendData, UrlInput } from '../types.js';

const registry = { transports: [workerPoll], defaults: ['worker-poll'] } as const;

/**
 * A `RealtimeClient` with the Worker poller only, for status documents that must stay fresh in background tabs.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends ClientCore<In, Out, 'worker-poll'> {
  /**
   * @param url - where to connect; a function is called before every attempt
   * @param options - every option is optional; see `Options`
   */
  constructor(url: UrlInput<'worker-poll'>, options: Options<In, Out, 'worker-poll'> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
