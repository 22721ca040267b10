/**
 * `pushline/worker-poll`: a `RealtimeClient` with only the Worker poller, for
 * status documents that must stay fresh in background tabs. No upload: that
 * needs a WebSocket.
 * @packageDocumentation
 */
import { RealtimeClientBase } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { workerPoll } from '../transports/worker-poll/index.js';
import type { SendData, UrlInput } from '../types.js';

/** `RealtimeClient` over worker-poll only. */
export class RealtimeClient<In = unknown, Out = SendData> extends RealtimeClientBase<In, Out> {
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, { transports: [workerPoll], defaults: ['worker-poll'] });
  }
}

export * from '../public.js';
