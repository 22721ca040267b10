/**
 * `pushline`: `RealtimeClient` with every transport, chunked upload, and the
 * typed errors. Subpaths (`pushline/websocket`, ...) ship one transport each.
 * @packageDocumentation
 */
import { RealtimeClientBase, type Registry } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { longPoll } from '../transports/long-poll.js';
import { sse } from '../transports/sse.js';
import { websocket } from '../transports/websocket.js';
import { workerPoll } from '../transports/worker-poll/index.js';
import { lazyUpload as upload } from '../upload/index.js';
import type { SendData, UrlInput } from '../types.js';

const registry: Registry = {
  upload,
  transports: [websocket, sse, longPoll, workerPoll],
  defaults: ['websocket', 'sse', 'long-poll'],
};

/**
 * One live channel to a server. Tries `transports` in order on the first
 * connection, then keeps the one that worked, reconnecting under one policy.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends RealtimeClientBase<In, Out> {
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
