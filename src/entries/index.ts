/**
 * `pushline`: `RealtimeClient` with every transport, chunked upload, and the
 * typed errors. Subpaths (`pushline/websocket`, ...) ship one transport each.
 * @packageDocumentation
 */
import { ClientCore } from '../client/client.js';
import type { Options } from '../policy/options.js';
import { longPoll } from '../transports/long-poll.js';
import { sse } from '../transports/sse.js';
import { websocket } from '../transports/websocket.js';
import { lazy } from '../transports/lazy.js';
import type { SendData, TransportName, UrlInput } from '../types.js';
import { lazyUpload as upload } from '../upload/index.js';

// worker-poll is offered but not used by default: its code (and the Worker's) loads only for apps that list it
const workerPoll = lazy('worker-poll', 'http', () => import('../transports/worker-poll/index.js').then((m) => m.workerPoll));
const registry = { upload, transports: [websocket, sse, longPoll, workerPoll], defaults: ['websocket', 'sse', 'long-poll'] } as const;

/**
 * One live channel to a server over WebSocket, Server-Sent Events, long-polling or
 * a Worker poller. Tries `transports` in order on the first connection, then keeps
 * the one that worked, reconnecting under one policy.
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export class RealtimeClient<In = unknown, Out = SendData> extends ClientCore<In, Out, TransportName> {
  /**
   * @param url - where to connect; a function is called before every attempt
   * @param options - every option is optional; see `Options`
   */
  constructor(url: UrlInput, options: Options<In, Out> = {}) {
    super(url, options, registry);
  }
}

export * from '../public.js';
