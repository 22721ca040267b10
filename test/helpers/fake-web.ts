/**
 * Scriptable stand-ins for the browser's WebSocket, EventSource and fetch, injected
 * through the client's options. For logic tests under fake timers only: claims
 * about real browsers are proven in Chromium (test/browser/).
 */

type Listener = (e: never) => void;

/** A `WebSocket` the test drives from the server side. */
export class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Every socket created, in order. */
  static all: FakeWebSocket[] = [];
  /** What the next sockets do on their own: `open` at once (after a microtask), or wait for the test. */
  static auto: 'open' | 'none' = 'none';
  static reset(): void {
    FakeWebSocket.all = [];
    FakeWebSocket.auto = 'none';
  }
  static last(): FakeWebSocket {
    const s = FakeWebSocket.all.at(-1);
    if (!s) throw new Error('no WebSocket was created');
    return s;
  }

  readyState = 0;
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  binaryType: BinaryType = 'blob';
  sent: unknown[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  onopen: Listener | null = null;
  onmessage: Listener | null = null;
  onerror: Listener | null = null;
  onclose: Listener | null = null;
  readonly protocols: string[];

  constructor(readonly url: string, protocols?: string | string[]) {
    this.protocols = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
    FakeWebSocket.all.push(this);
    if (FakeWebSocket.auto === 'open') queueMicrotask(() => this.readyState === 0 && this.accept());
  }

  /** The server accepts the handshake (selecting `protocol`). */
  accept(protocol = ''): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.fire('onopen', { type: 'open' });
  }
  /** A message from the server. */
  message(data: unknown, origin = 'ws://127.0.0.1'): void {
    this.fire('onmessage', { type: 'message', data, origin });
  }
  /** The connection ends from the server side (or the network): `error` first when `failed`. */
  drop(code = 1006, reason = '', failed = code === 1006): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    if (failed) this.fire('onerror', { type: 'error' });
    this.fire('onclose', { type: 'close', code, reason, wasClean: !failed });
  }
  /** The handshake fails (refused, 401, DNS): `error`, then `close` 1006. */
  refuse(): void {
    this.drop(1006, '', true);
  }

  send(data: unknown): void {
    if (this.readyState === 0) throw new DOMException('Still in CONNECTING state.', 'InvalidStateError');
    if (this.readyState === 1) this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedWith = [code, reason];
    this.readyState = 2;
    // like a browser: the close event comes later, not from inside close()
    setTimeout(() => {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.fire('onclose', { type: 'close', code: code ?? 1005, reason: reason ?? '', wasClean: true });
    }, 0);
  }
  addEventListener(): void {}
  removeEventListener(): void {}

  private fire(handler: 'onopen' | 'onmessage' | 'onerror' | 'onclose', e: object): void {
    (this[handler] as ((e: object) => void) | null)?.(e);
  }
}

/** An `EventSource` the test drives: events, the browser's own reconnection, giving up. */
export class FakeEventSource extends EventTarget {
  static all: FakeEventSource[] = [];
  static reset(): void {
    FakeEventSource.all = [];
  }
  static last(): FakeEventSource {
    const s = FakeEventSource.all.at(-1);
    if (!s) throw new Error('no EventSource was created');
    return s;
  }
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  /** `Last-Event-ID` the browser would send on its own reconnection. */
  lastEventId = '';
  /** Connections the browser made itself (reconnections), with the header they carried. */
  reconnections: string[] = [];

  constructor(readonly url: string, readonly init?: { withCredentials?: boolean }) {
    super();
    FakeEventSource.all.push(this);
  }
  /** The response headers arrived. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  /** An event from the server (dispatched like a browser: `open`/`error` names reach the handlers too). */
  event(type: string, data: string, id?: string): void {
    if (id !== undefined) this.lastEventId = id;
    const e = new MessageEvent(type, { data, lastEventId: this.lastEventId, origin: 'http://127.0.0.1' });
    if (type === 'open') this.onopen?.(e);
    else if (type === 'error') this.onerror?.(e);
    this.dispatchEvent(e);
  }
  /** The stream dropped: the browser will reconnect by itself (readyState CONNECTING). */
  drop(): void {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  /** The browser's own reconnection reached the server. */
  reconnected(): void {
    this.reconnections.push(this.lastEventId);
    this.open();
  }
  /** The browser gives up (an HTTP error, a wrong Content-Type): readyState CLOSED. */
  fail(): void {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

/** A recorded fetch call. */
export interface FetchCall {
  url: string;
  init: RequestInit;
  headers: Headers;
  /** Settles the call with a response (or a network error, for an Error). */
  answer(res: Response | Error): void;
}

/**
 * A `fetch` that records every call and waits for the test to answer it (or answers
 * at once through `respond`). Aborting the request's signal rejects like fetch does.
 */
export function fakeFetch(respond?: (url: string, init: RequestInit) => Response | Error | undefined): typeof fetch & { calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const fn = ((input: RequestInfo | URL, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = String(input);
      const call: FetchCall = {
        url,
        init,
        headers: new Headers(init.headers),
        answer: (res) => (res instanceof Error ? reject(res) : resolve(res)),
      };
      calls.push(call);
      init.signal?.addEventListener('abort', () => reject(init.signal!.reason ?? new DOMException('aborted', 'AbortError')));
      const auto = respond?.(url, init);
      if (auto) call.answer(auto);
    })) as typeof fetch & { calls: FetchCall[] };
  fn.calls = calls;
  return fn;
}

/** An event-stream response whose body the test writes to. */
export function streamResponse(status = 200, headers: Record<string, string> = {}): { res: Response; write(text: string): void; end(): void } {
  let control!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (control = c) });
  const encoder = new TextEncoder();
  return {
    res: new Response(body, { status, headers: { 'content-type': 'text/event-stream', ...headers } }),
    write: (text) => control.enqueue(encoder.encode(text)),
    end: () => control.close(),
  };
}
