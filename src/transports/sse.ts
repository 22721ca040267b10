import type { TransportFactory } from '../transport.js';
import { fetchSse } from './sse-fetch.js';
import { nativeSse } from './sse-native.js';

/** Server-Sent Events: the `eventSource` option picks `EventSource` (`'native'`) or a fetch-stream reader (`'fetch'`). */
export const sse: TransportFactory = {
  name: 'sse',
  scheme: 'http',
  create: (ctx) => (ctx.options.eventSource === 'fetch' ? fetchSse : nativeSse)(ctx),
};
