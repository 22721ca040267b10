import { validateClose } from '../policy/close.js';
import { ConnectTimeoutError, HeartbeatTimeoutError, QueueFullError, RealtimeError, domError, typed } from '../errors.js';
import { BUILTIN_TYPES, TypedTarget, event, type CloseDetail, type RealtimeEventMap } from './events.js';
import { isOffline, shouldPause, watchLifecycle } from './lifecycle.js';
import { messageStream } from './messages.js';
import { resolveOptions, type Options, type Resolved, type TransportOverrides } from '../policy/options.js';
import { isAuthFailure, nextDelay, shouldReconnect } from '../policy/policy.js';
import { SendQueue } from './queue.js';
import type { Transport, TransportFactory, TransportSink } from '../transport.js';
import type { ClientState, CloseInfo, SendData, TransportName, UrlInput } from '../types.js';
import type { UploadOptions, UploadResult, Uploader } from '../upload/types.js';
import { resolveUrl, validateProtocols } from '../policy/url.js';

/** The transports and features an entry point ships. */
export interface Registry {
  readonly transports: readonly TransportFactory[];
  readonly defaults: readonly TransportName[];
  readonly upload?: Uploader;
}

interface Entry {
  readonly factory: TransportFactory;
  readonly url: UrlInput | undefined;
  readonly options: Resolved;
}

type Timer = ReturnType<typeof setTimeout> | undefined;
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * One live channel to a server over WebSocket, SSE, long-polling or a Worker
 * poller, under one reconnect policy. Import `RealtimeClient` from `pushline`
 * (every transport) or from a subpath such as `pushline/websocket` (one transport).
 */
export class RealtimeClientBase<In = unknown, Out = SendData> extends TypedTarget<In> {
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
  readonly #queue: SendQueue;
  readonly #uploader: Uploader | undefined;
  readonly #listened = new Set<string>();
  #state: ClientState = 'closed';
  #url = '';
  #lastEventId = '';
  #attempt = 0;
  #binaryType: BinaryType;
  #live: Transport | null = null;
  /** Generation of the current attempt; callbacks of older ones are ignored. */
  #gen = 0;
  #index = 0;
  #preferred = 0;
  #everOpened = false;
  #ended = false;
  #paused = false;
  #authRetried = false;
  #hintMs = 0;
  #lastSeen = 0;
  #sending = false;
  #sendAttempt = 0;
  #waitTimer: Timer;
  #connectTimer: Timer;
  #uptimeTimer: Timer;
  #livenessTimer: Timer;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #sendTimer: Timer;
  #unwatch: (() => void) | undefined;

  /** @internal entry points pass their registry; apps use `RealtimeClient`. */
  constructor(url: UrlInput, options: Options<In, Out>, registry: Registry) {
    super();
    const o = (this.#o = resolveOptions(options));
    validateProtocols(o.protocols);
    this.#entries = (options.transports ?? registry.defaults).map((item) => {
      const { name, url: entryUrl, ...overrides }: { name: TransportName } & TransportOverrides =
        typeof item === 'string' ? { name: item } : item;
      const factory = registry.transports.find((t) => t.name === name);
      if (!factory) throw new TypeError(`no transport '${name}' in this build`);
      const own = resolveOptions<In, Out>({ ...options, ...overrides });
      if (overrides.protocols !== undefined) validateProtocols(own.protocols);
      return { factory, url: entryUrl, options: own };
    });
    if (!this.#entries.length) throw new TypeError('no transports');
    this.#source = url;
    // a static URL is checked now, so a bad one throws from the constructor like `new WebSocket()`
    if (typeof url !== 'function') this.#url = resolveUrl(url, this.#entries[0]!.factory.scheme);
    for (const entry of this.#entries) {
      if (entry.url !== undefined && typeof entry.url !== 'function') resolveUrl(entry.url, entry.factory.scheme);
    }
    this.#queue = new SendQueue(o.queue);
    this.#uploader = registry.upload;
    this.#binaryType = options.binaryType ?? 'blob';
    const signal = o.signal;
    if (signal?.aborted) {
      this.#ended = true;
      return;
    }
    signal?.addEventListener('abort', () => this.close(), { once: true });
    if (!o.autoConnect) return;
    // CONNECTING at once, like `new WebSocket()`, but the attempt starts after the
    // caller had the chance to add listeners: no early event is missed
    this.#begin();
    this.#state = 'connecting';
    const gen = this.#gen;
    queueMicrotask(() => gen === this.#gen && void this.#openNext());
  }

  /** The client's state; `readyState` is its WebSocket-constant view. */
  get state(): ClientState {
    return this.#state;
  }

  /** The live transport's own state while one is live; CONNECTING while waiting to reconnect; CLOSED only when final. */
  get readyState(): number {
    switch (this.#state) {
      case 'open':
        return this.#live?.readyState ?? OPEN;
      case 'closing':
        return CLOSING;
      case 'closed':
        return CLOSED;
      default:
        return CONNECTING;
    }
  }

  /** The transport in use, or `null` when none is live. */
  get transport(): TransportName | null {
    return this.#live ? this.#entries[this.#index]!.factory.name : null;
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

  /** Bytes waiting: the queue plus the transport's own buffer. */
  get bufferedAmount(): number {
    return this.#queue.bytes + (this.#live?.bufferedAmount ?? 0);
  }

  /** The newest event id seen (SSE `id:`), sent back as the resume cursor. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Consecutive failed attempts since the last connection that stayed up `minUptimeMs`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Registers SSE event names on the live transport, and on every later one. */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
    if (!BUILTIN_TYPES.has(type) && !this.#listened.has(type)) {
      this.#listened.add(type);
      this.#live?.listen?.(type);
    }
  }

  /** Starts connecting after `close()`, a final close, or with `autoConnect: false`. */
  connect(): void {
    if (this.#state !== 'closed') return;
    this.#begin();
    void this.#openNext();
  }

  #begin(): void {
    this.#ended = false;
    this.#attempt = 0;
    this.#index = this.#preferred;
    this.#unwatch = watchLifecycle(this.#o.lifecycle, {
      online: () => this.#state === 'reconnecting' && !this.#paused && this.#attemptNow(),
      hidden: () => this.#pause(),
      visible: () => {
        if (!this.#paused) return;
        this.#paused = false;
        this.#attemptNow();
      },
      restored: () => this.reconnect(),
    });
  }

  /** Drops the current connection and connects at once, with the backoff reset. */
  reconnect(): void {
    if (this.#state === 'closed' || this.#state === 'closing') return this.connect();
    this.#drop({ code: 1000, reason: 'reconnect', wasClean: true });
    this.#attempt = 0;
    this.#paused = false;
    void this.#openNext();
  }

  /**
   * Closes for good, validated exactly like `WebSocket.close()`: `InvalidAccessError`
   * for a code other than 1000 or 3000-4999, `SyntaxError` for a reason over 123
   * UTF-8 bytes. Safe in every state; emits exactly one `close`.
   */
  close(code?: number, reason?: string): void {
    const request = validateClose(code, reason);
    this.#ended = true;
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const live = this.#live;
    if (!live) {
      this.#settle();
      this.#finish({ code: request.code ?? 1005, reason: request.reason, wasClean: true, byUser: true });
      return;
    }
    this.#setState('closing');
    this.#stopTimers();
    // a half-open peer never answers the closing handshake: do not wait forever
    const gen = this.#gen;
    this.#connectTimer = setTimeout(() => this.#onClose(gen, { code: 1006, reason: '', wasClean: false, byUser: true }), this.#o.connectTimeoutMs);
    if (request.code === undefined) live.close();
    else live.close(request.code, request.reason);
  }

  /**
   * Sends now when OPEN, else queues (bounded by `queue`). Returns false when
   * the queue refused it. Throws `InvalidStateError` once the client is closed.
   */
  send(data: Out): boolean {
    if (this.#ended) throw domError('InvalidStateError', 'closed');
    const payload = this.#o.serialize ? (this.#o.serialize as (d: Out) => SendData)(data) : (data as SendData);
    const live = this.#live;
    if (live?.duplex && live.readyState === OPEN && !this.#queue.length) {
      live.send(payload);
      return true;
    }
    if (!this.#queue.push(payload)) {
      this.#emit('error', { error: new QueueFullError() });
      return false;
    }
    this.#pump();
    return true;
  }

  /**
   * Uploads `data` in chunks over its own WebSocket (SPEC §5), resuming across drops.
   * Rejects with `NotSupportedError` in builds without WebSocket.
   */
  upload(data: Blob | ArrayBuffer | ArrayBufferView, opts?: UploadOptions): Promise<UploadResult> {
    if (!this.#uploader) return Promise.reject(domError('NotSupportedError', 'no upload in this build'));
    const entry = this.#entries.find((e) => e.factory.scheme === 'ws') ?? this.#entries[0]!;
    return this.#uploader(
      {
        options: this.#o,
        uploadUrl: async (explicit) => {
          const url = explicit ?? this.#o.upload.url ?? entry.url ?? this.#source;
          const raw = typeof url === 'function' ? await url(this.#context('websocket')) : url;
          return resolveUrl(raw, 'ws');
        },
      },
      data,
      opts,
    );
  }

  /** Inbound messages (parsed) as an async iterable; ends when the client closes or `signal` aborts. */
  messages(opts: { signal?: AbortSignal } = {}): AsyncIterableIterator<In> {
    return messageStream<In>(this, opts.signal);
  }

  #context(transport: TransportName): { transport: TransportName; attempt: number; lastEventId: string } {
    return { transport, attempt: this.#attempt, lastEventId: this.#lastEventId };
  }

  #emit<K extends keyof RealtimeEventMap>(type: K, detail: Omit<RealtimeEventMap[K], keyof Event>): void {
    this.dispatchEvent(event(type, detail));
  }

  #setState(state: ClientState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emit('statechange', { state, previous, readyState: this.readyState });
  }

  async #openNext(): Promise<void> {
    const gen = ++this.#gen;
    const entry = this.#entries[this.#index]!;
    const name = entry.factory.name;
    this.#setState('connecting');
    let url: string;
    try {
      const source = entry.url ?? this.#source;
      url = resolveUrl(typeof source === 'function' ? await source(this.#context(name)) : source, entry.factory.scheme);
    } catch (cause) {
      if (gen === this.#gen) this.#onClose(gen, { code: 1006, reason: '', wasClean: false, error: new RealtimeError('url', 'the url function failed', cause) });
      return;
    }
    if (gen !== this.#gen) return;
    this.#url = url;
    this.#emit('connecting', { transport: name, attempt: this.#attempt, url });
    if (gen !== this.#gen) return; // a listener closed or reconnected
    const ms = this.#o.connectTimeoutMs;
    this.#connectTimer = setTimeout(() => this.#fail(gen, new ConnectTimeoutError(ms)), ms);
    try {
      this.#live = entry.factory.create({ url, lastEventId: this.#lastEventId, options: entry.options, listened: this.#listened, sink: this.#sink(gen) });
      this.#live.binaryType = this.#binaryType;
    } catch (cause) {
      this.#fail(gen, new RealtimeError('unavailable', `${name} could not start`, cause));
    }
  }

  #sink(gen: number): TransportSink {
    const current = (): boolean => gen === this.#gen;
    return {
      open: () => current() && this.#onOpen(gen),
      message: (type, data, lastEventId, origin) => {
        if (!current()) return;
        if (this.#livenessTimer) this.#lastSeen = Date.now();
        if (lastEventId !== undefined) this.#lastEventId = lastEventId;
        let value = data;
        if (this.#o.parse) {
          try {
            value = this.#o.parse(data);
          } catch (cause) {
            return this.#emit('error', { error: new RealtimeError('protocol', 'parse failed', cause) });
          }
        }
        this.dispatchEvent(new MessageEvent(type, { data: value, lastEventId: lastEventId ?? '', origin: origin ?? '' }));
      },
      activity: (lastEventId) => {
        if (!current()) return;
        if (this.#livenessTimer) this.#lastSeen = Date.now();
        if (lastEventId !== undefined) this.#lastEventId = lastEventId;
      },
      retry: (delayMs) => {
        if (current()) this.#hintMs = delayMs;
      },
      error: (error) => current() && this.#emit('error', { error }),
      close: (info) => this.#onClose(gen, info),
    };
  }

  #onOpen(gen: number): void {
    clearTimeout(this.#connectTimer);
    this.#everOpened = true;
    this.#preferred = this.#index;
    this.#authRetried = false;
    this.#sendAttempt = 0;
    this.#setState('open');
    this.#emit('open', { transport: this.#entries[this.#index]!.factory.name });
    if (gen !== this.#gen) return;
    this.#uptimeTimer = setTimeout(() => (this.#attempt = 0), this.#o.reconnect.minUptimeMs);
    this.#watchLiveness(gen);
    this.#pump();
  }

  /** One timer for heartbeat and idle deadlines: any inbound data moves `lastSeen`, no timer churn per message. */
  #watchLiveness(gen: number): void {
    const { heartbeat, idleTimeoutMs } = this.#entries[this.#index]!.options;
    const live = this.#live!;
    const beat = live.duplex ? heartbeat : undefined;
    const limit = Math.min(beat ? beat.intervalMs + beat.timeoutMs : Infinity, idleTimeoutMs ?? Infinity);
    if (limit === Infinity) return;
    this.#lastSeen = Date.now();
    const check = (): void => {
      const silentMs = Date.now() - this.#lastSeen;
      if (silentMs >= limit) this.#fail(gen, new HeartbeatTimeoutError(silentMs));
      else this.#livenessTimer = setTimeout(check, limit - silentMs);
    };
    this.#livenessTimer = setTimeout(check, limit);
    if (beat) this.#pingTimer = setInterval(() => live.readyState === OPEN && live.send(beat.message), beat.intervalMs);
  }

  /** Flushes the queue in order; an HTTP send stays at the head until the server accepted it. */
  #pump(): void {
    const live = this.#live;
    while (!this.#sending && live?.readyState === OPEN && this.#state === 'open' && this.#queue.length) {
      const result = live.send(this.#queue.peek()!);
      if (!result) {
        this.#queue.shift();
        continue;
      }
      this.#sending = true;
      result.then(
        () => {
          this.#sending = false;
          this.#sendAttempt = 0;
          this.#queue.shift();
          this.#pump();
        },
        (cause: unknown) => {
          this.#sending = false;
          this.#emit('error', { error: typed(cause, 'send', 'send failed') });
          const delay = nextDelay(this.#o.reconnect, ++this.#sendAttempt);
          clearTimeout(this.#sendTimer);
          this.#sendTimer = setTimeout(() => this.#pump(), delay);
        },
      );
    }
  }

  /** Fails the current attempt from the client's side (timeouts): the transport is abandoned, not awaited. */
  #fail(gen: number, error: RealtimeError): void {
    if (gen !== this.#gen) return;
    this.#onClose(gen, { code: 1006, reason: '', wasClean: false, error });
  }

  /** The single place a connection ends: decides between fallback, reconnect and the final close. */
  #onClose(gen: number, info: CloseInfo): void {
    if (gen !== this.#gen) return;
    const wasOpen = this.#state === 'open';
    const closing = this.#state === 'closing';
    const from = this.#entries[this.#index]!.factory.name;
    this.#settle();
    // whatever a transport put in the close, listeners get a typed error
    if (info.error) this.#emit('error', { error: typed(info.error, 'network', info.error.message) });
    if (closing || this.#ended) return this.#finish({ ...info, byUser: true });
    if (!wasOpen && !this.#everOpened && this.#index + 1 < this.#entries.length) {
      this.#emitClose(info, true);
      const to = this.#entries[++this.#index]!.factory.name;
      this.#emit('fallback', { from, to, reason: describe(info) });
      void this.#openNext();
      return;
    }
    const retry = (this.#o.shouldReconnect ?? shouldReconnect)(info);
    const refresh =
      !retry && !this.#authRetried && isAuthFailure(info) &&
      (typeof this.#source === 'function' || typeof this.#o.headers === 'function');
    if ((!retry && !refresh) || this.#attempt >= this.#o.reconnect.maxAttempts) return this.#finish(info);
    this.#emitClose(info, true);
    this.#index = this.#preferred;
    this.#authRetried ||= refresh;
    const attempt = ++this.#attempt;
    const delayMs = refresh ? 0 : nextDelay(this.#o.reconnect, attempt, Math.max(info.retryAfterMs ?? 0, this.#hintMs));
    this.#setState('reconnecting');
    this.#emit('reconnecting', { attempt, delayMs, reason: describe(info) });
    if (this.#state === 'reconnecting') this.#waitTimer = setTimeout(() => this.#attemptNow(), delayMs);
  }

  /** Runs a pending attempt now, unless offline or paused (then `online`/`visible` will). */
  #attemptNow(): void {
    clearTimeout(this.#waitTimer);
    if (isOffline(this.#o.lifecycle)) return;
    if (shouldPause(this.#o.lifecycle)) {
      this.#paused = true;
      return;
    }
    void this.#openNext();
  }

  #pause(): void {
    if (this.#state === 'closed' || this.#state === 'closing' || this.#paused) return;
    this.#paused = true;
    if (this.#live || this.#state === 'connecting') this.#drop({ code: 1000, reason: 'page hidden', wasClean: true });
    clearTimeout(this.#waitTimer);
    this.#setState('reconnecting');
  }

  /** Abandons the current attempt or connection on the client's own initiative. */
  #drop(info: CloseInfo): void {
    const hadLive = this.#live !== null;
    this.#settle();
    if (hadLive) this.#emitClose(info, true);
  }

  /** Detaches and closes the live transport and stops the per-connection timers. */
  #settle(): void {
    this.#gen++;
    const live = this.#live;
    this.#live = null;
    this.#stopTimers();
    clearTimeout(this.#waitTimer);
    live?.close();
  }

  #stopTimers(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#uptimeTimer);
    clearTimeout(this.#livenessTimer);
    clearInterval(this.#pingTimer);
    // no deadline, no per-message clock reads (see the sink)
    this.#livenessTimer = undefined;
  }

  #finish(info: CloseInfo): void {
    this.#ended = true;
    this.#paused = false;
    clearTimeout(this.#sendTimer);
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#setState('closed');
    this.#emitClose(info, false);
  }

  #emitClose(info: CloseInfo, willReconnect: boolean): void {
    const detail: CloseDetail = { code: info.code, reason: info.reason, wasClean: info.wasClean, willReconnect };
    this.#emit('close', detail);
  }
}

const describe = (info: CloseInfo): string =>
  info.error?.message ?? (info.status ? `HTTP ${info.status}` : `code ${info.code}${info.reason ? ` ${info.reason}` : ''}`);
