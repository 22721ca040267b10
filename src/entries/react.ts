/**
 * `pushline/react`: hooks that own a `RealtimeClient` for a component's lifetime
 * (one connection under `<StrictMode>`, closed on unmount) and subscribe to its
 * state and messages. React is a peer dependency; apps that do not import this
 * entry never load it.
 * @packageDocumentation
 */
export { useRealtime, useRealtimeState, useRealtimeWith, type RealtimeClientConstructor, type RealtimeHandle } from '../react/use-realtime.js';
export { useRealtimeEvent, useRealtimeMessages, type MessageOf, type MessageReducer } from '../react/use-realtime-messages.js';
export type { AnyClient } from '../react/any-client.js';
