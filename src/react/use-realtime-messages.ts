import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ClientCore } from '../client/client.js';
import type { AnyClient } from './any-client.js';
import type { RealtimeEventMap } from '../client/events.js';
import type { TransportName } from '../types.js';

/** Folds one message into the state {@link useRealtimeMessages} returns. */
export type MessageReducer<In, S> = (state: S, message: In, event: MessageEvent<In>) => S;

/** What a client's messages parse to: its `In`. */
export type MessageOf<Client> = Client extends ClientCore<infer In, any, any> ? In : never;

/**
 * Calls `listener` for every event of `type` on `client`, with one subscription
 * per client (an inline listener does not resubscribe on render; the latest one
 * is called). Unsubscribes on unmount and when `client` changes.
 */
export function useRealtimeEvent<Client extends AnyClient, K extends keyof RealtimeEventMap<MessageOf<Client>>>(
  client: Client,
  type: K,
  listener: (event: RealtimeEventMap<MessageOf<Client>>[K]) => void,
): void {
  const latest = useRef(listener);
  useLayoutEffect(() => {
    latest.current = listener;
  });
  useEffect(
    () => (client as unknown as ClientCore<MessageOf<Client>, never, TransportName>).on(type, (event) => latest.current(event)),
    [client, type],
  );
}

/**
 * The latest message's data (after `parse`), or `undefined` before the first one.
 * Re-renders on every message.
 */
export function useRealtimeMessages<Client extends AnyClient>(client: Client): MessageOf<Client> | undefined;
/**
 * State folded from the messages, like `useReducer` over the stream: `reduce` runs
 * once per message (outside React's render, so never twice under StrictMode) and
 * the component re-renders with its result. Starts again from `initial` when
 * `client` changes.
 *
 * ```tsx
 * const last100 = useRealtimeMessages(client, (list, message) => [...list, message].slice(-100), []);
 * const unread = useRealtimeMessages(client, (n) => n + 1, 0);
 * ```
 */
export function useRealtimeMessages<Client extends AnyClient, S>(
  client: Client,
  reduce: MessageReducer<MessageOf<Client>, S>,
  initial: S,
): S;
export function useRealtimeMessages<Client extends AnyClient, S>(
  client: Client,
  reduce: MessageReducer<MessageOf<Client>, S | undefined> = (_state, message) => message as S,
  initial?: S,
): S | undefined {
  const [current, setCurrent] = useState({ client, value: initial });
  // the folded value lives outside React so a message is reduced exactly once
  const folded = useRef(current);
  if (folded.current.client !== client) folded.current = { client, value: initial };
  const latest = useRef(reduce);
  useLayoutEffect(() => {
    latest.current = reduce;
  });
  useEffect(
    () =>
      (client as unknown as ClientCore<MessageOf<Client>, never, TransportName>).on('message', (event) => {
        if (folded.current.client !== client) folded.current = { client, value: initial };
        folded.current = { client, value: latest.current(folded.current.value, event.data, event) };
        setCurrent(folded.current);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `initial` is read when the client changes only
    [client],
  );
  return current.client === client ? current.value : folded.current.value;
}
