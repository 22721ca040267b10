import { ConnectTimeoutError, HeartbeatTimeoutError, ProtocolError, RealtimeError, domError, typed } from '../errors.js';
import { validateClose } from '../policy/close.js';
import { resolveOptions, type Options, type Resolved } from '../policy/options.js';
import { shouldReconnect } from '../policy/policy.js';
import { isLocal, resolveUrl } from '../policy/url.js';
import type { Transport, TransportFactory, TransportSink } from '../transport.js';
import type { ClientState, CloseInfo, ReadyState, SendData, TransportName, UrlInput } from '../types.js';
import type { UploadOptions, UploadResult, Uploader } from '../upload/types.js';
import { CONTROL, Emitter, report, type CloseDetail, type RealtimeEventMap } from './events.js';
import { isHidden, isOffline, watchLifecycle } from './lifecycle.js';
import { watchLiveness, type Watch } from './liveness.js';
import { messageStream } from './messages.js';
import { Reconnector } from './reconnector.js';
import { SendPump } from './send-pump.js';

/** The transports and features an entry point ships. */
export interface Registry<Name extends TransportName = TransportName> {
  readonly transports: readonly TransportFactory[];
  readonly defaults: readonly Name[];
  readonly upload?: Uploader;
}

interface Entry {
  readonly factory: TransportFactory;
  readonly url: UrlInput | undefined;
  readonly options: Resolved;
  /** Its constructor is missing: it failed once and is never tried again. */
  dead?: boolean;
}

/** An event to dispatch: its type and payload. */
type Announcement = { [K in keyof RealtimeEventMap]: [K, Omit<RealtimeEventMap[K], keyof Event>] }[keyof RealtimeEventMap];

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** What WebSocket.send() and fetch() take: never a (view on a) SharedArrayBuffer, which they refuse later, at the flush. */
const sendable = (data: unknown): data is SendData =>
  typeof data === 'string' ||
  (typeof Blob !== 'undefined' && data instanceof Blob) ||
  ((data instanceof ArrayBuffer || ArrayBuffer.isView(data)) && (ArrayBuffer.isView(data) ? data.buffer : data) instanceof ArrayBuffer);

const describe = (info: CloseInfo): string =>
  info.error?.message ?? (info.status ? `HTTP ${info.status}` : `code ${info.code}${info.reason ? ` ${info.reason}` : ''}`);

const closeDetail = (info: CloseInfo, willReconnect: boolean): CloseDetail =>
  ({ code: info.code, reason: info.reason, wasClean: info.wasClean, willReconnect });

/**
 * The client behind every entry point's `RealtimeClient`: properties, `send`/
 * `close`/`connect`/`reconnect`, events, and the one attempt cycle. Every
 * transition commits state and timers first, then dispatches, and stops when a
 * listener changed the course (`close()`, `reconnect()`, `connect()`). One timer
 * serves the current phase: connect timeout, uptime, reconnect wait, or closing.
 */
export class ClientCore<In = unknown, Out = SendData, Name extends TransportName = TransportName> extends Emitter<In> {
  /** `readyState`: an attempt is under way or a reconnect is pending. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState`: the transport is open. */
  static readonly OPEN = OPEN;
  /** `readyState`: closing. */
  static readonly CLOSING = CLOSING;
  /** `readyState`: closed for good (after `close()`, a fatal close, or giving up). */
  static readonly CLOSED = CLOSED;
  /** `readyState` constant, as on `WebSocket` instances. */
  readonly CONNECTING = CONNECTING;
  /** `readyState` constant. */
  readonly OPEN = OPEN;
  /** `readyState` constant. */
  readonly CLOSING = CLOSING;
  /** `readyState` constant. */
  readonly CLOSED = CLOSED;

  readonly #o: Resolved;
  readonly #entries: Entry[];
  readonly #source: UrlInput;
  readonly #pump: SendPump;
  readonly #policy: Reconnector;
  readonly #uploader: Uploader | undefined;
  #state: ClientState = 'closed';
  #url = '';
  #lastEventId = '';
  #binaryType: BinaryType;
  #live: Transport | null = null;
  /** Generation of the live transport; sinks and timers of older ones are ignored. */
  #gen = 0;
  #index = 0;
  #preferred = 0;
  /** The user closed, or a final close happened: no attempt until `connect()`. */
  #ended = false;
  #paused = false;
  /** The final close's events are being dispatched. */
  #ending = false;
  /** connect() was asked while the old cycle was still ending. */
  #reopen = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #watch: Watch | undefined;
  #unwatch: (() => void) | undefined;
  #uploads: AbortController | undefined;

  /** @internal entry points pass their registry; apps use `RealtimeClient`. */
  constructor(url: UrlInput<Name>, options: Options<In, Out, Name>, registry: Registry<Name>) {
    super();
    const o = (this.#o = resolveOptions(options));
    this.#entries = (options.transports ?? registry.defaults).map((item) => {
      const { name, url: own, ...overrides } = typeof item === 'string' ? { name: item } : item;
      const factory = registry.transports.find((t) => t.name === name);
      if (!factory) throw new TypeError(`transports: no transport '${String(name)}' in this build`);
      return { factory, url: own as UrlInput | undefined, options: Object.keys(overrides).length ? resolveOptions({ ...options, sessionId: o.sessionId, ...overrides }) : o };
    });
    if (!this.#entries.length) throw new TypeError('transports: empty');
    this.#source = url as UrlInput;
    // a static URL is checked now, so a bad one throws from the constructor like `new WebSocket()`
    if (typeof url !== 'function') this.#url = resolveUrl(url, this.#entries[0]!.factory.scheme);
    for (const e of this.#entries) if (e.url !== undefined && typeof e.url !== 'function') resolveUrl(e.url, e.factory.scheme);
    this.#binaryType = o.binaryType;
    this.#pump = new SendPump(o, (error) => this.#announce(['error', { error }]));
    const user = o.shouldReconnect;
    // the app's classification may throw: reported like a listener's exception, and the default decides
    const classify = user
      ? (info: CloseInfo): boolean => {
          try {
            return user(info);
          } catch (error) {
            report(error);
            return shouldReconnect(info);
          }
        }
      : shouldReconnect;
    const refreshable = (e: { url: unknown; options: Resolved }): boolean => typeof e.url === 'function' || typeof e.options.headers === 'function';
    this.#policy = new Reconnector(o.reconnect, classify, typeof url === 'function' || this.#entries.some(refreshable));
    this.#uploader = registry.upload;
    if (o.signal?.aborted) {
      this.#ended = true;
      return;
    }
    o.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (!o.autoConnect) return;
    // CONNECTING at once, like `new WebSocket()`; the first event and attempt come
    // after the constructor returned, so listeners added right after `new` see them
    this.#begin();
    this.#state = 'connecting';
    const gen = this.#gen;
    queueMicrotask(() => {
      if (gen === this.#gen && this.#announce(['statechange', { state: 'connecting', previous: 'closed', readyState: CONNECTING }])) void this.#attempt();
    });
  }

  /** The client's state; `readyState` is its WebSocket-constant view. */
  get state(): ClientState {
    return this.#state;
  }

  /** The live transport's own state while one is live; CONNECTING while waiting to reconnect; CLOSED only when final. */
  get readyState(): ReadyState {
    const s = this.#state;
    return s === 'open' ? ((this.#live?.readyState ?? OPEN) as ReadyState) : s === 'closing' ? CLOSING : s === 'closed' ? CLOSED : CONNECTING;
  }

  /** The transport in use, or `null` when none is live (also while waiting to reconnect). */
  get transport(): Name | null {
    return this.#live && this.#state !== 'reconnecting' ? (this.#entries[this.#index]!.factory.name as Name) : null;
  }

  /** The URL of the current (or last) attempt. */
  get url(): string {
    return this.#url;
  }

  /** Negotiated WebSocket subprotocol, `''` otherwise. */
  get protocol(): string {
    return this.#live?.protocol ?? '';
  }

  /** Negotiated WebSocket extensions, `''` otherwise. */
  get extensions(): string {
    return this.#live?.extensions ?? '';
  }

  /** Like `WebSocket.binaryType`; invalid values are ignored, as in browsers. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value !== 'blob' && value !== 'arraybuffer') return;
    this.#binaryType = value;
    if (this.#live) this.#live.binaryType = value;
  }

  /** Whether cross-origin requests carry cookies. */
  get withCredentials(): boolean {
    return this.#o.withCredentials;
  }

  /** Bytes not yet delivered: the queue (with unacknowledged sends in reliable mode) plus the transport's own buffer. */
  get bufferedAmount(): number {
    return this.#pump.bytes + (this.#live?.bufferedAmount ?? 0);
  }

  /** The newest event id seen, sent back as the resume cursor. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Consecutive failed attempts since the last connection that stayed up `minUptimeMs`. */
  get attempt(): number {
    return this.#policy.attempt;
  }

  /**
   * Starts connecting after `close()`, a final close, or with `autoConnect: false`.
   * Called while the client is still closing (or from a listener of the final
   * close's own events), it starts the new cycle right after that final `close`.
   */
  connect(): void {
    if (this.#state === 'closing' || this.#ending) {
      this.#reopen = true;
      return;
    }
    if (this.#state !== 'closed') return;
    this.#begin();
    if (this.#announce(...this.#commit('connecting'))) void this.#attempt();
  }

  /** Drops the current connection and connects at once, with the backoff reset. */
  reconnect(): void {
    if (this.#state === 'closed' || this.#state === 'closing' || this.#ending) return this.connect();
    const had = this.transport !== null;
    this.#settle();
    this.#policy.attempt = 0;
    this.#paused = false;
    this.#index = this.#alive(this.#preferred);
    const events: Announcement[] = had ? [['close', { code: 1000, reason: 'reconnect', wasClean: true, willReconnect: true }]] : [];
    if (this.#announce(...events, ...this.#commit('connecting'))) void this.#attempt();
  }

  /**
   * Closes for good, validated exactly like `WebSocket.close()`: `InvalidAccessError`
   * for a code other than 1000 or 3000-4999, `SyntaxError` for a reason over 123
   * UTF-8 bytes. Safe in every state and from any listener; emits exactly one
   * final `close`. In-flight uploads reject with an `AbortError`.
   */
  close(code?: number, reason?: string): void {
    const request = validateClose(code, reason);
    this.#ended = true;
    this.#reopen = false;
    this.#uploads?.abort();
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const live = this.#live;
    if (!live) {
      this.#settle();
      return this.#finish({ code: request.code ?? 1005, reason: request.reason, wasClean: true, byUser: true });
    }
    this.#stopWatch();
    this.#pump.detach();
    // a half-open peer never answers the closing handshake: do not wait forever
    this.#phase(this.#o.connectTimeoutMs, () => {
      this.#settle();
      this.#finish({ code: 1006, reason: '', wasClean: false, byUser: true });
    });
    this.#announce(...this.#commit('closing'));
    if (this.#live === live && (this.#state as ClientState) === 'closing') live.close(request.code, request.reason);
  }

  /**
   * Sends now when possible, else queues (bounded by `queue`), in order. Returns
   * false when the queue refused it. Throws a `TypeError` for data that cannot be
   * sent, and an `InvalidStateError` once the client is closed.
   */
  send(data: Out): boolean {
    if (this.#ended) throw domError('InvalidStateError', 'the client is closed');
    const payload = this.#o.serialize ? (this.#o.serialize as (d: Out) => unknown)(data) : data;
    if (!sendable(payload)) throw new TypeError(`send() takes a string, ArrayBuffer, ArrayBufferView or Blob, got ${typeof payload}`);
    return this.#pump.push(payload);
  }

  /**
   * Resolves once every `send()` made before the call has been delivered (handed
   * to an open WebSocket, answered 2xx over HTTP, or, in reliable mode,
   * acknowledged); rejects with a `RealtimeError` of type `closed` if the client
   * closes for good first.
   */
  flush(): Promise<void> {
    return this.#ended ? Promise.reject(new RealtimeError('closed', 'the client is closed')) : this.#pump.flush();
  }

  /**
   * Uploads `data` in chunks over its own WebSocket, resuming across drops.
   * Rejects with `NotSupportedError` in builds without WebSocket.
   */
  upload(data: Blob | ArrayBuffer | ArrayBufferView, opts?: UploadOptions): Promise<UploadResult> {
    if (this.#ended) return Promise.reject(domError('InvalidStateError', 'the client is closed'));
    if (!this.#uploader) return Promise.reject(domError('NotSupportedError', 'no upload in this build'));
    const entry = this.#entries.find((e) => e.factory.scheme === 'ws') ?? this.#entries[0]!;
    const signal = (this.#uploads ??= new AbortController()).signal;
    return this.#uploader(
      {
        options: this.#o,
        signal,
        uploadUrl: async (explicit) => {
          const url = explicit ?? this.#o.upload.url ?? entry.url ?? this.#source;
          return resolveUrl(typeof url === 'function' ? await url(this.#context('websocket')) : url, 'ws');
        },
      },
      data,
      opts,
    );
  }

  /** Inbound messages (parsed) as an async iterable; ends when the client closes (at once if it is closed) or `signal` aborts. */
  messages(opts: { signal?: AbortSignal } = {}): AsyncIterableIterator<In> {
    return messageStream<In>(this, this.#ended, opts.signal);
  }

  /** @internal */
  protected override listening(type: string): void {
    this.#live?.listen?.(type);
  }

  #context(transport: TransportName): { transport: TransportName; attempt: number; lastEventId: string } {
    return { transport, attempt: this.#policy.attempt, lastEventId: this.#lastEventId };
  }

  /**
   * Dispatches `events` in order; returns false, leaving the rest undispatched, as
   * soon as a listener changed the course (a new generation or another state).
   */
  #announce(...events: Announcement[]): boolean {
    const gen = this.#gen;
    const state = this.#state;
    for (const [type, detail] of events) {
      // browsers and Node report a listener's exception and go on; some DOM shims (happy-dom) throw it here
      try {
        super.dispatchEvent(Object.assign(new Event(type), detail));
      } catch (error) {
        report(error);
      }
      if (gen !== this.#gen || state !== this.#state) return false;
    }
    return true;
  }

  /** Sets the state now; returns the `statechange` to announce, if it changed. */
  #commit(state: ClientState): Announcement[] {
    const previous = this.#state;
    this.#state = state;
    return previous === state ? [] : [['statechange', { state, previous, readyState: this.readyState }]];
  }

  /** The one timer of the current phase. */
  #phase(ms: number, fn: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(fn, ms);
  }

  /** The first transport at or after `from` that can still start. */
  #alive(from: number): number {
    const i = this.#entries.findIndex((e, j) => j >= from && !e.dead);
    return i < 0 ? this.#entries.findIndex((e) => !e.dead) : i;
  }

  #begin(): void {
    // a user's connect() tries transports found unavailable once more (never a loop of its own)
    for (const e of this.#entries) e.dead = false;
    this.#ended = false;
    this.#paused = false;
    this.#policy.reset();
    this.#index = this.#alive(this.#preferred);
    this.#uploads = undefined;
    this.#unwatch = watchLifecycle(this.#o.lifecycle, {
      online: () => this.#retryNow(),
      hidden: () => this.#pause(),
      visible: () => {
        if (!this.#paused) return;
        this.#paused = false;
        this.#retryNow();
      },
      restored: () => this.#ended || this.reconnect(),
    });
  }

  async #attempt(): Promise<void> {
    const gen = ++this.#gen;
    const entry = this.#entries[this.#index]!;
    const { name, scheme } = entry.factory;
    const ms = this.#o.connectTimeoutMs;
    // the deadline covers the url function too: one that never resolves fails the attempt
    this.#phase(ms, () => this.#fail(gen, new ConnectTimeoutError(ms)));
    let url: string;
    try {
      const source = entry.url ?? this.#source;
      const raw: unknown = typeof source === 'function' ? await source(this.#context(name)) : source;
      if (gen !== this.#gen) return;
      if (typeof raw !== 'string' && !(raw instanceof URL)) throw new TypeError(`the url function returned ${String(raw)}`);
      url = resolveUrl(raw, scheme);
    } catch (cause) {
      return this.#fail(gen, new RealtimeError('url', 'no URL for this attempt', cause));
    }
    this.#url = url;
    if (!this.#announce(['connecting', { transport: name, attempt: this.#policy.attempt, url }])) return;
    try {
      const live = (this.#live = entry.factory.create({ url, lastEventId: this.#lastEventId, options: entry.options, listened: this.listened, sink: this.#sink(gen), report: this.#pump.report }));
      live.binaryType = this.#binaryType;
    } catch (cause) {
      this.#fail(gen, new RealtimeError('unavailable', `${name} is not available here`, cause));
    }
  }

  #sink(gen: number): TransportSink {
    const current = (): boolean => gen === this.#gen;
    return {
      open: () => current() && this.#opened(gen),
      message: (type, data, id, origin, native) => current() && this.#inbound(type, data, id, origin, native),
      activity: (id) => {
        if (!current()) return;
        if (this.#watch) this.#watch.seen = true;
        if (id !== undefined) this.#lastEventId = id;
      },
      proven: () => current() && (this.#policy.attempt = 0),
      retry: (ms) => current() && this.#policy.hint(ms),
      ack: (seq) => {
        if (!current()) return;
        if (this.#watch) this.#watch.seen = true;
        this.#pump.ack(seq);
      },
      reset: (id) => {
        if (!current()) return;
        if (this.#watch) this.#watch.seen = true;
        if (id !== undefined) this.#lastEventId = id;
        this.#announce(['reset', { lastEventId: this.#lastEventId }]);
      },
      error: (error) => current() && this.#announce(['error', { error }]),
      lost: (info, delayMs) => current() && this.#lost(gen, info, delayMs),
      close: (info) => this.#closed(gen, info),
    };
  }

  /**
   * The hot path: one inbound message. No clock read, no timer, no event object
   * when nobody listens, and none of its own when the browser's event says it all.
   */
  #inbound(type: string, data: unknown, id: string | undefined, origin: string | undefined, native?: Event): void {
    if (this.#watch) this.#watch.seen = true;
    if (id !== undefined) this.#lastEventId = id;
    const parse = this.#o.parse;
    // a server event named like one of the client's own events is a message
    const renamed = CONTROL.has(type);
    // Node's `ws` events are not MessageEvents
    let own = native instanceof MessageEvent ? native : undefined;
    if (native && (parse || renamed || !own)) {
      ({ data, origin } = native as MessageEvent);
      own = undefined;
    }
    if (renamed) type = 'message';
    if (parse) {
      try {
        data = parse(data);
      } catch (cause) {
        this.#announce(['error', { error: new ProtocolError('parse failed', cause) }]);
        return;
      }
    }
    const list = this.listeners(type);
    if (!list) return;
    this.deliver(list, own ?? new MessageEvent(type, { data, lastEventId: id ?? '', origin: origin ?? '' }));
  }

  #opened(gen: number): void {
    const entry = this.#entries[this.#index]!;
    const live = this.#live!;
    this.#preferred = this.#index;
    this.#phase(this.#o.reconnect.minUptimeMs, () => this.#policy.proven());
    this.#stopWatch();
    this.#watch = watchLiveness(entry.options, live, (silentMs) => this.#fail(gen, new HeartbeatTimeoutError(silentMs)));
    // what was queued goes first (unacknowledged sends before the rest), before any listener runs
    this.#pump.attach(live);
    this.#announce(...this.#commit('open'), ['open', { transport: entry.factory.name }]);
  }

  /** Fails the current attempt from the client's side (timeouts, bad URL): the transport is abandoned, not awaited. */
  #fail(gen: number, error: RealtimeError): void {
    this.#closed(gen, { code: 1006, reason: '', wasClean: false, error });
  }

  /** The single place a connection ends: decides between the final close, a fallback and a reconnect. */
  #closed(gen: number, info: CloseInfo): void {
    if (gen !== this.#gen) return;
    const state = this.#state;
    const entry = this.#entries[this.#index]!;
    if ((info.error as RealtimeError | undefined)?.type === 'unavailable') entry.dead = true;
    this.#settle();
    // whatever a transport put in the close, listeners get a typed error
    const events: Announcement[] = info.error ? [['error', { error: typed(info.error) }]] : [];
    if (state === 'closing') return this.#finish({ ...info, byUser: true }, events);
    // an attempt that never opened hands over to the next transport: on the first
    // connection, and in every later round too (a proxy that starts refusing WebSocket)
    const gen2 = this.#gen;
    const changed = (): boolean => gen2 !== this.#gen || this.#state !== state;
    const next = this.#entries.findIndex((e, i) => i > this.#index && !e.dead);
    // ... unless the server is misconfigured (it opened but speaks another protocol): that is final
    const misconfigured = info.error instanceof ProtocolError && !this.#policy.retries(info);
    if (changed()) return; // the app's shouldReconnect called close() or reconnect()
    if (state === 'connecting' && next > 0 && !misconfigured) {
      this.#index = next;
      const to = this.#entries[next]!.factory.name;
      if (this.#announce(...events, ['close', closeDetail(info, true)], ['fallback', { from: entry.factory.name, to, reason: describe(info) }])) void this.#attempt();
      return;
    }
    const delayMs = this.#entries.every((e) => e.dead) ? undefined : this.#policy.next(info);
    if (changed()) return;
    if (delayMs === undefined) return this.#finish(info, events);
    this.#index = this.#alive(this.#preferred);
    const states = this.#commit('reconnecting');
    this.#phase(delayMs, () => this.#retryNow());
    this.#announce(...events, ['close', closeDetail(info, true)], ...states, ['reconnecting', { attempt: this.#policy.attempt, delayMs, reason: describe(info) }]);
  }

  /**
   * The connection dropped and the transport reconnects by itself (native
   * `EventSource`, whose own reconnection sends `Last-Event-ID`): the attempt
   * counts, the transport stays, and the connect deadline watches it.
   */
  #lost(gen: number, info: CloseInfo, delayMs: number): void {
    const state = this.#state;
    const retry = this.#policy.next(info) !== undefined;
    if (gen !== this.#gen || state !== this.#state) return; // the app's shouldReconnect changed the course
    if (!retry) {
      this.#settle();
      return this.#finish(info);
    }
    this.#stopWatch();
    this.#pump.detach();
    // it waits the server's retry: (invisible here): as long as a hint may make the client wait, then connects
    const ms = this.#o.connectTimeoutMs;
    this.#phase(this.#o.reconnect.maxHintMs + ms, () => this.#fail(gen, new ConnectTimeoutError(ms)));
    this.#announce(['close', closeDetail(info, true)], ...this.#commit('reconnecting'), ['reconnecting', { attempt: this.#policy.attempt, delayMs, reason: describe(info) }]);
  }

  /** Runs the pending attempt now, unless held offline (`online` resumes) or paused while hidden (`visible` resumes). */
  #retryNow(): void {
    if (this.#state !== 'reconnecting' || this.#paused || (this.#live && this.transport === null)) return;
    const l = this.#o.lifecycle;
    // held only while an `online` event can end the hold, and never for a server on this machine
    if (l.online && l.offline && isOffline() && !isLocal(this.#url)) return clearTimeout(this.#timer);
    if (l.hidden === 'pause' && isHidden()) {
      this.#paused = true;
      return clearTimeout(this.#timer);
    }
    if (this.#announce(...this.#commit('connecting'))) void this.#attempt();
  }

  /** The page is hidden and `lifecycle.hidden` is `'pause'`: disconnect until it is visible again. */
  #pause(): void {
    if (this.#paused || this.#ended || this.#state === 'closing' || this.#state === 'closed') return;
    this.#paused = true;
    const had = this.transport !== null;
    this.#settle();
    const events: Announcement[] = had ? [['close', { code: 1000, reason: 'page hidden', wasClean: true, willReconnect: true }]] : [];
    this.#announce(...events, ...this.#commit('reconnecting'));
  }

  #stopWatch(): void {
    this.#watch?.stop();
    this.#watch = undefined;
  }

  /** Detaches and closes the live transport and stops the per-connection timers. */
  #settle(): void {
    this.#gen++;
    const live = this.#live;
    this.#live = null;
    clearTimeout(this.#timer);
    this.#stopWatch();
    this.#pump.detach();
    live?.close();
  }

  /** The final close of this connect cycle. */
  #finish(info: CloseInfo, events: Announcement[] = []): void {
    this.#ended = true;
    this.#paused = false;
    clearTimeout(this.#timer);
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#pump.stop();
    this.#uploads?.abort();
    // every event of the final close goes out: a connect() from one of them waits for the last
    this.#ending = true;
    const states = this.#commit('closed');
    for (const e of [...events, ...states, ['close', closeDetail(info, false)] as Announcement]) this.#announce(e);
    this.#ending = false;
    if (this.#reopen) {
      this.#reopen = false;
      this.connect();
    }
  }
}
