import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { AnyClient } from './any-client.js';
import { RealtimeClient } from '../entries/index.js';
import type { Options } from '../policy/options.js';
import type { ClientState, SendData, TransportName, UrlInput } from '../types.js';
import { identityOf, References, trampolined } from './identity.js';

/** What {@link useRealtime} returns: the client and its state, both live. */
export interface RealtimeHandle<Client extends AnyClient> {
  /**
   * The client: the same object across renders until `url` or the options
   * describe another connection. Call `send()`, `close()` and the rest on it.
   */
  readonly client: Client;
  /** `client.state`, re-rendering on every `statechange`. */
  readonly state: ClientState;
  /** `client.readyState`, re-rendering on every `statechange`. */
  readonly readyState: Client['readyState'];
}

/**
 * A `RealtimeClient` constructor: the one of `pushline`, or of a subpath such as
 * `pushline/websocket`.
 */
export type RealtimeClientConstructor<Client extends AnyClient, In, Out, Name extends TransportName = TransportName> = new (
  url: UrlInput<Name>,
  options: Options<In, Out, Name>,
) => Client;

/**
 * Subscribes a component to a client's `state` and `readyState`: it re-renders
 * on every `statechange`. {@link useRealtime} does this already; use it for a
 * client made elsewhere (one client shared through context, say).
 * @returns `[state, readyState]`
 */
export function useRealtimeState<Client extends AnyClient>(
  client: Client,
): readonly [ClientState, Client['readyState']] {
  const subscribe = useCallback((onChange: () => void) => client.on('statechange', onChange), [client]);
  const state = useSyncExternalStore(subscribe, () => client.state, () => client.state);
  const readyState = useSyncExternalStore(subscribe, () => client.readyState, () => client.readyState);
  return [state, readyState];
}

/**
 * {@link useRealtime} with the `RealtimeClient` of your choice, so an app that
 * needs one transport ships only that one:
 *
 * ```tsx
 * import { RealtimeClient } from 'pushline/websocket';
 * const { client, state } = useRealtimeWith(RealtimeClient, '/live', { heartbeat: { intervalMs: 15000 } });
 * ```
 */
export function useRealtimeWith<Client extends AnyClient, In = unknown, Out = SendData, Name extends TransportName = TransportName>(
  Client: RealtimeClientConstructor<Client, In, Out, Name>,
  url: UrlInput<Name>,
  options: Options<In, Out, Name> = {},
): RealtimeHandle<Client> {
  const [refs] = useState(() => new References());
  // the newest render's url and callbacks, read by the trampolines at call time
  const latest = useRef({ url, options });
  useLayoutEffect(() => {
    latest.current = { url, options };
  });
  const key = identityOf([url, options], refs);
  const client = useMemo(
    () => {
      const { url: first, options: opts } = { url, options };
      const read = () => latest.current;
      // Server rendering has no page to resolve a relative URL against, and the
      // constructor checks a static URL at once: hand it a function there (never
      // called: effects do not run on the server)
      const stableUrl =
        typeof first === 'function' ? trampolined(first, () => read().url) : globalThis.location === undefined ? () => first : first;
      // not from the constructor: in an effect, so a render React discards opens nothing
      return new Client(stableUrl, { ...trampolined(opts, () => read().options), autoConnect: false });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the identity of url and options
    [Client, key],
  );

  useEffect(() => {
    // Deferred by a microtask: StrictMode mounts, unmounts and mounts again
    // synchronously, so the first mount's connect never runs and one socket opens.
    let mounted = true;
    let unsubscribe: (() => void) | undefined;
    if (options.autoConnect !== false) {
      queueMicrotask(() => {
        if (!mounted) return;
        // effects that run again on the same client (a hidden <Activity> shown
        // again, Fast Refresh) find it still closing: connect once it has closed
        if (client.state !== 'closing') return client.connect();
        unsubscribe = client.on('statechange', () => {
          if (client.state !== 'closed') return;
          unsubscribe?.();
          if (mounted) client.connect();
        });
      });
    }
    return () => {
      mounted = false;
      unsubscribe?.();
      if (client.state !== 'closed') client.close(1000);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- autoConnect is part of `key`
  }, [client]);

  const [state, readyState] = useRealtimeState(client);
  return { client, state, readyState };
}

/**
 * A `RealtimeClient` (every transport) owned by the component: created on first
 * render, connected after mount, closed on unmount. The component re-renders when
 * `state` changes; messages are read with {@link useRealtimeMessages}.
 *
 * The client is kept while `url` and `options` describe the same connection:
 * plain values (strings, numbers, nested option objects, `URL`s) are compared by
 * value, so inline option objects are fine; functions (`parse`, `serialize`,
 * `shouldReconnect`, a `url` or `headers` function) never cause a reconnect (the
 * client always calls the latest render's one); `WebSocket`/`EventSource`/`Worker`
 * constructors and `signal` are compared by reference. Any other change closes the
 * client and opens a new one.
 *
 * Under `<StrictMode>` it opens exactly one connection: the client is created with
 * `autoConnect: false` and connects a microtask after mount. Pass
 * `autoConnect: false` to connect yourself with `client.connect()`.
 *
 * Server rendering works: there the component renders `state: 'closed'` and no
 * connection is made (effects only run in the browser).
 *
 * ```tsx
 * function Chat() {
 *   const { client, state } = useRealtime<ChatMessage, ChatMessage>('/live', {
 *     parse: (data) => JSON.parse(String(data)),
 *     serialize: (message) => JSON.stringify(message),
 *   });
 *   const messages = useRealtimeMessages(client, (list, message) => [...list, message].slice(-100), []);
 *   return <Messages state={state} items={messages} onSend={(text) => client.send({ text })} />;
 * }
 * ```
 * @typeParam In - what `parse` turns inbound data into
 * @typeParam Out - what `send()` accepts before `serialize`
 */
export function useRealtime<In = unknown, Out = SendData>(
  url: UrlInput,
  options?: Options<In, Out>,
): RealtimeHandle<RealtimeClient<In, Out>> {
  return useRealtimeWith<RealtimeClient<In, Out>, In, Out>(RealtimeClient, url, options);
}
