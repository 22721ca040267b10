import type { RealtimeError } from '../errors.js';
import type { ClientState, ReadyState, TransportName } from '../types.js';

/** An `Event` carrying a typed payload as read-only properties. */
export type RealtimeEvent<T> = Event & Readonly<T>;

/** Payload of `close`. */
export interface CloseDetail {
  /** The close code (1006 for a network failure or an HTTP answer that ended the connection). */
  code: number;
  /** The close reason. */
  reason: string;
  /** Whether the closing handshake completed. */
  wasClean: boolean;
  /** Whether the client will try again (reconnect or fallback). */
  willReconnect: boolean;
}

/** Every event the client emits, by type. Any other type is a server event name (SSE `event:`, pushline `"event"`). */
export interface RealtimeEventMap<In = unknown, Name extends TransportName = TransportName> {
  /** An attempt starts (after the `url` function, if any, resolved). */
  connecting: RealtimeEvent<{ transport: Name; attempt: number; url: string }>;
  /** The transport reached OPEN. */
  open: RealtimeEvent<{ transport: Name }>;
  /** An inbound message. */
  message: MessageEvent<In>;
  /** A connection ended; `willReconnect: false` exactly once per connect cycle. */
  close: RealtimeEvent<CloseDetail>;
  /** Waiting `delayMs` before attempt `attempt`. */
  reconnecting: RealtimeEvent<{ attempt: number; delayMs: number; reason: string }>;
  /** The first connection moves on to the next transport. */
  fallback: RealtimeEvent<{ from: Name; to: Name; reason: string }>;
  /** `state` changed; listeners already see the new state. */
  statechange: RealtimeEvent<{ state: ClientState; previous: ClientState; readyState: ReadyState }>;
  /** A typed problem; connections that fail also emit `close`. */
  error: RealtimeEvent<{ error: RealtimeError }>;
  /** Reliable mode: the server could not resume from the client's cursor, so events may have been missed. */
  reset: RealtimeEvent<{ lastEventId: string }>;
}

/** The client's own event types; a server event of one of these names arrives as `message`. */
export const CONTROL: ReadonlySet<string> = new Set([
  'connecting', 'open', 'close', 'reconnecting', 'fallback', 'statechange', 'error', 'reset',
]);

type Handler<E> = ((this: unknown, ev: E) => unknown) | null;

interface Entry {
  readonly fn: EventListenerOrEventListenerObject;
  readonly capture: boolean;
  readonly once: boolean;
  removed?: boolean;
}

const flag = (options: boolean | EventListenerOptions | undefined): boolean =>
  typeof options === 'boolean' ? options : !!options?.capture;

/** A listener that threw is reported like a DOM event listener's exception, and the others still run. */
export const report = (error: unknown): void =>
  globalThis.reportError ? globalThis.reportError(error) : void setTimeout(() => { throw error; });

/**
 * `EventTarget` with a typed `on()`, the `on*` handler properties, and a fast path
 * for messages: `message` and server event names are kept in plain listener lists
 * and called directly, with one `MessageEvent` per message and no `dispatchEvent`
 * (which costs as much again as the socket's own event in Chromium). The client's
 * own events go through the real `EventTarget`. Order, `once`, `signal`, duplicate
 * suppression and `handleEvent` objects behave as in the DOM; a message event's
 * `target` is `null`.
 */
export class Emitter<In> extends EventTarget {
  /** Listener lists of message types; replaced, never mutated, so a dispatch in progress is stable. */
  readonly #lists = new Map<string, readonly Entry[]>();

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
  /** Subscribes to a server event name; returns the function that unsubscribes. */
  on(type: string, listener: (event: MessageEvent<In>) => void): () => void;
  on(type: string, listener: (event: never) => void): () => void {
    const fn = listener as unknown as EventListener;
    this.addEventListener(type, fn);
    return () => this.removeEventListener(type, fn);
  }

  /** Adds a listener; typed by the event map. */
  override addEventListener<K extends keyof RealtimeEventMap<In>>(
    type: K,
    listener: ((this: this, event: RealtimeEventMap<In>[K]) => unknown) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    if (CONTROL.has(type)) return super.addEventListener(type, listener, options);
    const o = typeof options === 'object' ? options : undefined;
    if (!listener || o?.signal?.aborted) return;
    const capture = flag(options);
    const list = this.#lists.get(type);
    if (list?.some((e) => e.fn === listener && e.capture === capture)) return;
    this.#lists.set(type, [...(list ?? []), { fn: listener, capture, once: !!o?.once }]);
    o?.signal?.addEventListener('abort', () => this.removeEventListener(type, listener, options), { once: true });
    if (!list) this.listening(type);
  }

  /** Removes a listener added with the same `capture` flag. */
  override removeEventListener<K extends keyof RealtimeEventMap<In>>(
    type: K,
    listener: ((this: this, event: RealtimeEventMap<In>[K]) => unknown) | EventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    if (CONTROL.has(type)) return super.removeEventListener(type, listener, options);
    const capture = flag(options);
    const list = this.#lists.get(type) ?? [];
    const entry = list.find((e) => e.fn === listener && e.capture === capture);
    if (!entry) return;
    entry.removed = true;
    this.#lists.set(type, list.filter((e) => e !== entry));
  }

  /** Dispatches `event`: message types go to their listener lists, the client's own types through `EventTarget`. */
  override dispatchEvent(event: Event): boolean {
    if (CONTROL.has(event.type)) return super.dispatchEvent(event);
    this.deliver(this.#lists.get(event.type), event);
    return !event.defaultPrevented;
  }

  /** The listeners of a message type, if any: a message nobody listens to costs no event at all. @internal */
  protected listeners(type: string): readonly unknown[] | undefined {
    const list = this.#lists.get(type);
    return list?.length ? list : undefined;
  }

  /** Calls each listener of `list` in order with `event`; a throw is reported and the rest still run. @internal */
  protected deliver(list: readonly unknown[] | undefined, event: Event): void {
    for (const e of (list ?? []) as readonly Entry[]) {
      if (e.removed) continue;
      if (e.once) this.removeEventListener(event.type, e.fn, e.capture);
      try {
        if (typeof e.fn === 'function') e.fn.call(this, event);
        else e.fn.handleEvent(event);
      } catch (error) {
        report(error);
      }
      // stopImmediatePropagation() (or stopPropagation(): there is nowhere else to propagate)
      if (event.cancelBubble) break;
    }
  }

  /** Message types listened to so far. @internal */
  protected get listened(): Iterable<string> {
    return this.#lists.keys();
  }

  /** Called when a message type gets its first listener (native `EventSource` must register each name). @internal */
  protected listening(_type: string): void {}
}

// One accessor pair per handler property, defined once (not in a `static {}` block:
// Safari 16.0-16.3 lack those, and bundlers then rewrite every private field of the
// class into WeakMap lookups). As in the DOM, the handler's listener is added when
// it is first set, and a non-function is null.
const handlers = new WeakMap<EventTarget, Record<string, Handler<Event>>>();
for (const type of ['open', 'message', 'error', 'close']) {
  Object.defineProperty(Emitter.prototype, `on${type}`, {
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
