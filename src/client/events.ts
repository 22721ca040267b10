import type { RealtimeError } from '../errors.js';
import type { ClientState, TransportName } from '../types.js';

/** An `Event` carrying a typed payload as read-only properties. */
export type RealtimeEvent<T> = Event & Readonly<T>;

/** Payload of `close`. */
export interface CloseDetail {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Whether the client will try again (reconnect or fallback). */
  willReconnect: boolean;
}

/** Every event the client emits, by type. Any other type is an SSE event name. */
export interface RealtimeEventMap<In = unknown> {
  connecting: RealtimeEvent<{ transport: TransportName; attempt: number; url: string }>;
  open: RealtimeEvent<{ transport: TransportName }>;
  message: MessageEvent<In>;
  close: RealtimeEvent<CloseDetail>;
  reconnecting: RealtimeEvent<{ attempt: number; delayMs: number; reason: string }>;
  fallback: RealtimeEvent<{ from: TransportName; to: TransportName; reason: string }>;
  statechange: RealtimeEvent<{ state: ClientState; previous: ClientState; readyState: number }>;
  error: RealtimeEvent<{ error: RealtimeError }>;
}

/** Types with a payload of their own; every other type carries SSE events. */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'connecting', 'open', 'message', 'close', 'reconnecting', 'fallback', 'statechange', 'error',
]);

/** Creates a typed event without a subclass per type. */
export const event = <T extends object>(type: string, detail: T): RealtimeEvent<T> =>
  Object.assign(new Event(type), detail);

type Handler<E> = ((this: unknown, ev: E) => unknown) | null;

/**
 * `EventTarget` with typed `on()` (returning the unsubscribe function) and the
 * `onopen`/`onmessage`/`onerror`/`onclose` handler properties.
 */
export class TypedTarget<In> extends EventTarget {
  /** Like `WebSocket.onopen`. */
  declare onopen: Handler<RealtimeEventMap<In>['open']>;
  /** Like `WebSocket.onmessage`. */
  declare onmessage: Handler<MessageEvent<In>>;
  /** Like `WebSocket.onerror`, with a typed `error`. */
  declare onerror: Handler<RealtimeEventMap<In>['error']>;
  /** Like `WebSocket.onclose`, with `willReconnect`. */
  declare onclose: Handler<RealtimeEventMap<In>['close']>;

  /** Subscribes to `type`; returns the function that unsubscribes. */
  on<K extends keyof RealtimeEventMap<In>>(type: K, listener: (event: RealtimeEventMap<In>[K]) => void): () => void;
  /** Subscribes to an SSE event name. */
  on(type: string, listener: (event: MessageEvent<In>) => void): () => void;
  on(type: string, listener: (event: never) => void): () => void {
    const fn = listener as unknown as EventListener;
    this.addEventListener(type, fn);
    return () => this.removeEventListener(type, fn);
  }
}

// One accessor pair per handler property, defined once. As in the DOM, the
// handler's listener is added when it is first set, and a non-function is null.
const handlers = new WeakMap<EventTarget, Record<string, Handler<Event>>>();
for (const type of ['open', 'message', 'error', 'close']) {
  Object.defineProperty(TypedTarget.prototype, `on${type}`, {
    get(this: EventTarget) {
      return handlers.get(this)?.[type] ?? null;
    },
    set(this: EventTarget, fn: unknown) {
      let own = handlers.get(this);
      if (!own) handlers.set(this, (own = {}));
      if (!(type in own)) this.addEventListener(type, (e) => own[type]?.call(this, e));
      own[type] = typeof fn === 'function' ? (fn as Handler<Event>) : null;
    },
  });
}
