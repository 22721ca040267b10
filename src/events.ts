import type { RealtimeError } from './errors.js';
import type { ClientState, TransportName } from './types.js';

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
  #handlers: Record<string, Handler<Event>> = {};

  /** Subscribes to `type`; returns the function that unsubscribes. */
  on<K extends keyof RealtimeEventMap<In>>(type: K, listener: (event: RealtimeEventMap<In>[K]) => void): () => void;
  /** Subscribes to an SSE event name. */
  on(type: string, listener: (event: MessageEvent<In>) => void): () => void;
  on(type: string, listener: (event: never) => void): () => void {
    const fn = listener as unknown as EventListener;
    this.addEventListener(type, fn);
    return () => this.removeEventListener(type, fn);
  }

  #handler(type: string): Handler<Event> {
    return this.#handlers[type] ?? null;
  }

  #setHandler(type: string, fn: Handler<Event>): void {
    if (!(type in this.#handlers)) this.addEventListener(type, (e) => this.#handlers[type]?.call(this, e));
    this.#handlers[type] = typeof fn === 'function' ? fn : null;
  }

  /** Like `WebSocket.onopen`. */
  get onopen(): Handler<RealtimeEventMap<In>['open']> { return this.#handler('open'); }
  set onopen(fn: Handler<RealtimeEventMap<In>['open']>) { this.#setHandler('open', fn as Handler<Event>); }
  /** Like `WebSocket.onmessage`. */
  get onmessage(): Handler<MessageEvent<In>> { return this.#handler('message'); }
  set onmessage(fn: Handler<MessageEvent<In>>) { this.#setHandler('message', fn as Handler<Event>); }
  /** Like `WebSocket.onerror`, with a typed `error`. */
  get onerror(): Handler<RealtimeEventMap<In>['error']> { return this.#handler('error'); }
  set onerror(fn: Handler<RealtimeEventMap<In>['error']>) { this.#setHandler('error', fn as Handler<Event>); }
  /** Like `WebSocket.onclose`, with `willReconnect`. */
  get onclose(): Handler<RealtimeEventMap<In>['close']> { return this.#handler('close'); }
  set onclose(fn: Handler<RealtimeEventMap<In>['close']>) { this.#setHandler('close', fn as Handler<Event>); }
}
