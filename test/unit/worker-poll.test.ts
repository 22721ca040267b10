import { createContext, runInContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpStatusError, WorkerUnavailableError } from '../../src/errors.js';
import { resolveOptions, type Options } from '../../src/policy/options.js';
import type { PageMessage, PollReport } from '../../src/transports/worker-poll/loop.js';
import code from '../../src/transports/worker-poll/worker.ts?worker-inline';
import type { Transport, TransportSink } from '../../src/transport.js';
import { workerPoll } from '../../src/transports/worker-poll/index.js';
import type { CloseInfo, SendData } from '../../src/types.js';
import { RealtimeClient } from '../../src/entries/worker-poll.js';

const URL_ = 'http://127.0.0.1:9/status';
const fast = { initialDelayMs: 100, maxDelayMs: 100, jitter: 'none', minUptimeMs: 100000 } as const;

/** A Worker double at the message level: the test plays the worker's side of the protocol. */
class FakeWorker {
  static all: FakeWorker[] = [];
  sent: PageMessage[] = [];
  terminated = false;
  onmessage: ((e: { data: PollReport }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWorker.all.push(this);
  }
  postMessage(m: PageMessage): void {
    this.sent.push(structuredClone(m));
  }
  terminate(): void {
    this.terminated = true;
  }
  report(r: PollReport): void {
    this.onmessage?.({ data: structuredClone(r) });
  }
  fail(message = ''): void {
    this.onerror?.({ message, preventDefault: () => {} });
  }
}

/**
 * A Worker that runs the real inlined worker code in its own `vm` context, with
 * the test's (fake) timers and fetch, and messages crossing as structured clones.
 */
class VmWorker {
  static all: VmWorker[] = [];
  static fetch: typeof fetch;
  terminated = false;
  onmessage: ((e: { data: PollReport }) => void) | null = null;
  onerror: (() => void) | null = null;
  readonly #scope: { onmessage?: (e: { data: PageMessage }) => void };
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  constructor(readonly url: string) {
    VmWorker.all.push(this);
    const set = globalThis.setTimeout;
    const clear = globalThis.clearTimeout;
    this.#scope = createContext({
      fetch: VmWorker.fetch,
      AbortController,
      Date,
      setTimeout: (fn: () => void, ms: number) => {
        const id = set(() => (this.#timers.delete(id), fn()), ms);
        this.#timers.add(id);
        return id;
      },
      clearTimeout: (id: ReturnType<typeof setTimeout>) => (this.#timers.delete(id), clear(id)),
      postMessage: (r: PollReport) => {
        const data = structuredClone(r);
        queueMicrotask(() => !this.terminated && this.onmessage?.({ data }));
      },
    });
    // a real worker starts later than its constructor returns
    queueMicrotask(() => runInContext(code, this.#scope));
  }
  postMessage(m: PageMessage): void {
    const data = structuredClone(m);
    queueMicrotask(() => !this.terminated && this.#scope.onmessage?.({ data }));
  }
  /** Like the browser: the worker's timers die with it. */
  terminate(): void {
    this.terminated = true;
    for (const id of this.#timers) clearTimeout(id);
    this.#timers.clear();
  }
}

interface Seen {
  url: string;
  headers: Headers;
  init: RequestInit;
}

/** A scripted HTTP endpoint behind a fake fetch: ETag/304 like demo/server/status.mjs. */
function fakeHttp({ etag = true } = {}) {
  const s = {
    body: 'v1',
    version: 1,
    requests: [] as Seen[],
    failures: [] as Array<number | Error>,
    /** When set, requests hang until aborted. */
    hang: false,
    set(body: string): void {
      s.body = body;
      s.version++;
    },
    fetch: vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      s.requests.push({ url: String(input), headers, init });
      if (s.hang) {
        return new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      }
      const failure = s.failures.shift();
      if (failure instanceof Error) throw failure;
      if (failure) return new Response(null, { status: failure, headers: { 'retry-after': '3' } });
      const tag = `"${s.version}"`;
      const validators: Record<string, string> = etag ? { etag: tag } : {};
      validators['last-modified'] = new Date(1e12 + s.version * 1000).toUTCString();
      if (etag && headers.get('if-none-match') === tag) return new Response(null, { status: 304, headers: validators });
      return new Response(s.body, { status: 200, headers: validators });
    }),
  };
  return s;
}

function recorder() {
  const calls: Array<[string, ...unknown[]]> = [];
  const sink: TransportSink = {
    open: () => calls.push(['open']),
    message: (type, data, id, origin) => calls.push(['message', type, data, id, origin]),
    activity: () => calls.push(['activity']),
    retry: (ms) => calls.push(['retry', ms]),
    error: (e) => calls.push(['error', e]),
    close: (info) => calls.push(['close', info]),
    proven: () => calls.push(['proven']),
    ack: (seq) => calls.push(['ack', seq]),
    reset: (id) => calls.push(['reset', id]),
    lost: (info, ms) => calls.push(['lost', info, ms]),
  };
  const of = (kind: string) => calls.filter((c) => c[0] === kind);
  return { calls, sink, of };
}

function create(options: Options, lastEventId = ''): { t: Transport; rec: ReturnType<typeof recorder> } {
  const rec = recorder();
  const t = workerPoll.create({ url: URL_, lastEventId, options: resolveOptions(options), listened: new Set(), sink: rec.sink, report: (e) => rec.calls.push(['report', e]) });
  return { t, rec };
}

const flush = async (): Promise<void> => void (await vi.advanceTimersByTimeAsync(0));
let blobs: Blob[];
let revoked: string[];

beforeEach(() => {
  vi.useFakeTimers();
  FakeWorker.all = [];
  VmWorker.all = [];
  blobs = [];
  revoked = [];
  const create = URL.createObjectURL.bind(URL);
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => (blobs.push(blob as Blob), create(blob)));
  const revoke = URL.revokeObjectURL.bind(URL);
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url: string) => (revoked.push(url), revoke(url)));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('page <-> worker protocol', () => {
  const W = FakeWorker as unknown as typeof Worker;

  it('starts a Blob worker holding the inlined code, and configures it only once it said ready', async () => {
    const http = fakeHttp();
    const { t, rec } = create({ Worker: W, fetch: http.fetch, withCredentials: true, pollIntervalMs: 1234, headers: { 'X-A': '1' } }, '42');
    const w = FakeWorker.all[0]!;
    expect(blobs).toHaveLength(1);
    expect(blobs[0]!.type).toBe('text/javascript');
    expect(await blobs[0]!.text()).toBe(code);
    expect(w.url).toMatch(/^blob:/);
    await flush();
    expect(w.sent).toEqual([]); // not trusted yet
    w.report({ t: 'ready' });
    await flush();
    expect(w.sent).toEqual([
      { t: 'start', url: `${URL_}?lastEventId=42`, intervalMs: 1234, credentials: 'include', headers: { 'X-A': '1', 'Last-Event-ID': '42' } },
    ]);
    expect(t.readyState).toBe(0);
    expect(http.fetch).not.toHaveBeenCalled(); // the worker fetches, not the page
    expect(rec.calls).toEqual([]);
  });

  it('computes a headers function on the page for every request the worker asks for', async () => {
    let n = 0;
    const { rec } = create({ Worker: W, headers: () => ({ 'X-Token': String(++n) }) });
    const w = FakeWorker.all[0]!;
    w.report({ t: 'ready' });
    await flush();
    expect(w.sent).toEqual([{ t: 'start', url: URL_, intervalMs: 5000, credentials: 'same-origin' }]);
    expect(n).toBe(0);
    w.report({ t: 'ask' });
    await flush();
    w.report({ t: 'ask' });
    await flush();
    expect(w.sent.slice(1)).toEqual([
      { t: 'headers', headers: { 'X-Token': '1' } },
      { t: 'headers', headers: { 'X-Token': '2' } },
    ]);
    expect(rec.calls).toEqual([]);
  });

  it('a failing headers function ends the connection through the reconnect policy', async () => {
    const { t, rec } = create({ Worker: W, headers: () => { throw new Error('no token'); } });
    const w = FakeWorker.all[0]!;
    w.report({ t: 'ready' });
    w.report({ t: 'ask' });
    await flush();
    expect(rec.of('close')).toEqual([['close', expect.objectContaining({ code: 1006, error: expect.objectContaining({ type: 'network', cause: expect.objectContaining({ message: 'no token' }) }) })]]);
    expect([t.readyState, w.terminated]).toEqual([3, true]);
  });

  it('maps reports to sink calls: OPEN on the first good answer, activity on each, message on a change', async () => {
    const { t, rec } = create({ Worker: W });
    const w = FakeWorker.all[0]!;
    w.report({ t: 'ready' });
    w.report({ t: 'data', body: 'hello' });
    expect(t.readyState).toBe(1);
    w.report({ t: 'ok' });
    w.report({ t: 'data', body: 'again' });
    expect(rec.calls).toEqual([
      ['open'], ['activity'], ['message', 'message', 'hello', undefined, 'http://127.0.0.1:9'],
      ['activity'],
      ['activity'], ['message', 'message', 'again', undefined, 'http://127.0.0.1:9'],
    ]);
  });

  it('an HTTP status from the worker becomes httpClose (status, Retry-After); the worker is torn down', async () => {
    const { t, rec } = create({ Worker: W });
    const w = FakeWorker.all[0]!;
    w.report({ t: 'ready' });
    w.report({ t: 'status', status: 503, retryAfter: '7' });
    const info = rec.of('close')[0]![1] as CloseInfo;
    expect(info).toMatchObject({ code: 1006, status: 503, retryAfterMs: 7000, wasClean: false });
    expect(info.error).toBeInstanceOf(HttpStatusError);
    expect([t.readyState, w.terminated, revoked]).toEqual([3, true, [w.url]]);
    t.close();
    w.report({ t: 'data', body: 'late' });
    expect(rec.calls).toHaveLength(1);
  });

  it('a network failure reported by the worker, or a worker that breaks after ready, is a network close', async () => {
    const a = create({ Worker: W });
    FakeWorker.all[0]!.report({ t: 'ready' });
    FakeWorker.all[0]!.report({ t: 'fail', error: new TypeError('Failed to fetch') });
    expect(a.rec.of('close')).toEqual([['close', expect.objectContaining({ code: 1006, reason: 'network error', error: expect.objectContaining({ type: 'network', cause: expect.any(TypeError) }) })]]);
    const b = create({ Worker: W });
    FakeWorker.all[1]!.report({ t: 'ready' });
    FakeWorker.all[1]!.fail('boom');
    await flush();
    expect(b.rec.of('close')).toEqual([['close', expect.objectContaining({ code: 1006, error: expect.objectContaining({ type: 'network', cause: expect.objectContaining({ message: 'boom' }) }) })]]);
    expect(b.rec.of('error')).toEqual([]); // not a WorkerUnavailableError: it did start
  });

  it('close(): terminates, revokes the Blob URL, one sink.close, later reports ignored', async () => {
    const { t, rec } = create({ Worker: W });
    const w = FakeWorker.all[0]!;
    w.report({ t: 'ready' });
    w.report({ t: 'ok' });
    t.close(4000, 'bye');
    t.close();
    w.report({ t: 'data', body: 'late' });
    expect(rec.of('close')).toEqual([['close', { code: 4000, reason: 'bye', wasClean: true }]]);
    expect(rec.of('message')).toEqual([]);
    expect([t.readyState, w.terminated, revoked]).toEqual([3, true, [w.url]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('workerUrl: a same-origin script, resolved against the page, instead of a Blob', () => {
    vi.stubGlobal('location', { href: 'http://127.0.0.1:9/app/page' });
    const { t } = create({ Worker: W, workerUrl: '/dist/poll-worker.js' });
    expect(FakeWorker.all[0]!.url).toBe('http://127.0.0.1:9/dist/poll-worker.js');
    expect(blobs).toEqual([]);
    t.close();
    expect(revoked).toEqual([]);
  });

  it('HTTP sends POST to sendUrl (or the poll URL) with the resume cursor', async () => {
    const http = fakeHttp();
    const a = create({ Worker: W, fetch: http.fetch }, '7');
    await a.t.send('hi', undefined, new AbortController().signal);
    const b = create({ Worker: W, fetch: http.fetch, sendUrl: 'http://127.0.0.1:9/in' });
    await b.t.send(new Uint8Array([1]), undefined, new AbortController().signal);
    expect(http.requests.map((r) => [r.url, r.init.method, r.headers.get('content-type')])).toEqual([
      [`${URL_}?lastEventId=7`, 'POST', 'text/plain;charset=UTF-8'],
      ['http://127.0.0.1:9/in', 'POST', 'application/octet-stream'],
    ]);
    expect(a.t.ping).toBeUndefined();
  });
});

describe('falling back to the main thread', () => {
  it('without a Worker constructor: polls with fetch on the page, one WorkerUnavailableError', async () => {
    const http = fakeHttp();
    const { t, rec } = create({ fetch: http.fetch, pollIntervalMs: 1000 }); // Node has no global Worker
    await flush();
    expect(rec.of('error')).toEqual([['error', expect.any(WorkerUnavailableError)]]);
    expect(rec.calls.slice(1)).toEqual([['open'], ['activity'], ['message', 'message', 'v1', undefined, 'http://127.0.0.1:9']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(http.requests).toHaveLength(2);
    expect(rec.of('error')).toHaveLength(1);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a constructor that throws (CSP SecurityError): the cause is kept, nothing leaks', async () => {
    const refusal = new DOMException('refused by worker-src', 'SecurityError');
    const Refusing = function () {
      throw refusal;
    } as unknown as typeof Worker;
    const { rec } = create({ Worker: Refusing, fetch: fakeHttp().fetch });
    await flush();
    const error = rec.of('error')[0]![1] as WorkerUnavailableError;
    expect(error).toBeInstanceOf(WorkerUnavailableError);
    expect(error.cause).toBe(refusal);
    expect([blobs.length, revoked.length]).toEqual([1, 1]); // the Blob URL made for it is revoked
    expect(rec.of('open')).toHaveLength(1);
  });

  it('an asynchronous error event before ready (CSP refusal as an event): fallback, the old worker ignored', async () => {
    const http = fakeHttp();
    const { rec } = create({ Worker: FakeWorker as unknown as typeof Worker, fetch: http.fetch });
    const w = FakeWorker.all[0]!;
    w.fail();
    expect([w.terminated, revoked]).toEqual([true, [w.url]]);
    w.report({ t: 'ready' });
    await flush();
    expect(w.sent).toEqual([]);
    expect(rec.of('error')).toEqual([['error', expect.any(WorkerUnavailableError)]]);
    expect(http.requests).toHaveLength(1); // the page polls now
    expect(rec.of('message')).toHaveLength(1);
  });

  it('is reported once per client: a reconnect polls on the page at once, without trying the Worker again', async () => {
    let constructed = 0;
    const Refusing = function () {
      constructed++;
      throw new DOMException('no', 'SecurityError');
    } as unknown as typeof Worker;
    const http = fakeHttp();
    http.failures.push(503);
    const c = new RealtimeClient(URL_, { Worker: Refusing, fetch: http.fetch, reconnect: fast, pollIntervalMs: 1000 });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.error.name));
    await flush();
    expect(c.readyState).toBe(0); // the 503 came first
    await vi.advanceTimersByTimeAsync(3000); // Retry-After: 3 is the floor
    expect(c.readyState).toBe(1);
    expect(errors).toEqual(['WorkerUnavailableError', 'HttpStatusError']);
    expect(constructed).toBe(1);
    c.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

// The same rule, wherever it runs: the real worker code in a vm "Worker", and the page fallback.
describe.each([
  ['in the inlined worker', () => VmWorker as unknown as typeof Worker],
  ['on the main thread', () => undefined],
])('the poll rule, %s', (_name, worker) => {
  function client(http: ReturnType<typeof fakeHttp>, options: Options<unknown, SendData, 'worker-poll'> = {}): RealtimeClient {
    VmWorker.fetch = http.fetch;
    const W = worker();
    return new RealtimeClient(URL_, { fetch: http.fetch, reconnect: fast, pollIntervalMs: 1000, ...(W ? { Worker: W } : {}), ...options });
  }
  function messages(c: RealtimeClient): unknown[] {
    const seen: unknown[] = [];
    c.on('message', (e) => seen.push(e.data));
    return seen;
  }

  it('GET every pollIntervalMs; 200 delivered, 304 is no change, a new ETag is a message', async () => {
    const http = fakeHttp();
    const c = client(http, { withCredentials: true });
    const seen = messages(c);
    expect(c.readyState).toBe(0);
    await flush();
    expect([c.readyState, seen]).toEqual([1, ['v1']]);
    await vi.advanceTimersByTimeAsync(999);
    expect(http.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(http.requests).toHaveLength(2);
    const second = http.requests[1]!;
    expect(second.headers.get('if-none-match')).toBe('"1"');
    expect(second.headers.get('if-modified-since')).toBe(new Date(1e12 + 1000).toUTCString());
    expect([second.init.credentials, second.init.cache, second.url]).toEqual(['include', 'no-store', URL_]);
    expect(seen).toEqual(['v1']); // the 304
    http.set('v2');
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual(['v1', 'v2']);
    expect(http.requests).toHaveLength(4);
    expect(worker() ? VmWorker.all.length : 0).toBe(worker() ? 1 : 0);
    c.close();
  });

  it('without an ETag, the body decides', async () => {
    const http = fakeHttp({ etag: false });
    const c = client(http);
    const seen = messages(c);
    await vi.advanceTimersByTimeAsync(2000);
    expect(http.requests).toHaveLength(3);
    expect(http.requests[1]!.headers.has('if-none-match')).toBe(false);
    expect(seen).toEqual(['v1']);
    http.set('v2');
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual(['v1', 'v2']);
    c.close();
  });

  it('errors go through the one reconnect policy; the next connection starts fresh', async () => {
    const http = fakeHttp();
    const c = client(http);
    const seen = messages(c);
    const closes: string[] = [];
    c.on('close', (e) => closes.push(`${e.code}/${e.willReconnect}`));
    await flush();
    http.failures.push(new TypeError('Failed to fetch'));
    await vi.advanceTimersByTimeAsync(1000);
    expect([c.state, closes]).toEqual(['reconnecting', ['1006/true']]);
    await vi.advanceTimersByTimeAsync(100);
    expect(c.readyState).toBe(1);
    expect(seen).toEqual(['v1', 'v1']); // a new connection knows nothing: it delivers the current document
    http.failures.push(404);
    await vi.advanceTimersByTimeAsync(1000);
    expect([c.readyState, closes]).toEqual([3, ['1006/true', '1006/false']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() aborts the request in flight and leaves no timer, worker or object URL', async () => {
    const http = fakeHttp();
    const c = client(http);
    await flush();
    http.hang = true;
    await vi.advanceTimersByTimeAsync(1000);
    const inFlight = http.requests[1]!.init.signal!;
    expect(inFlight.aborted).toBe(false);
    c.close();
    // on the page the loop aborts it; a worker's fetch dies with the terminated worker
    if (!worker()) expect(inFlight.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(VmWorker.all.every((w) => w.terminated)).toBe(true);
    expect(revoked).toHaveLength(blobs.length);
    expect(c.readyState).toBe(3);
  });
});
