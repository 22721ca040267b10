import { WorkerUnavailableError } from '../../errors.js';
import { credentials, httpClose, networkClose, requestHeaders, withCursor } from '../http/request.js';
import type { Resolved } from '../../policy/options.js';
import { pollLoop, type PageMessage, type PollConfig, type PollReport } from './loop.js';
import code from './worker.ts?worker-inline';
import type { TransportContext, TransportFactory } from '../../transport.js';
import { httpLink, type HttpLink } from '../http/link.js';

/**
 * Clients (keyed by their resolved options, which live as long as the client)
 * whose Worker could not start: they were told once, and later connections poll
 * on the main thread at once instead of failing the same way again.
 */
const noWorker = new WeakSet<Resolved>();

/**
 * One worker-poll connection. The timer and fetches run in a dedicated Worker,
 * whose timers hidden-tab throttling of the page does not stretch; when no
 * Worker can start, the same loop (`poll-loop.ts`) runs on the main thread.
 */
class WorkerPoll {
  /** Sends, the Transport face and the one guarded end, shared with the other HTTP transports. */
  readonly link: HttpLink;
  #state = 0;
  readonly #ctx: TransportContext;
  readonly #cfg: PollConfig;
  #worker: Worker | undefined;
  #blob: string | undefined;
  #stop: (() => void) | undefined;
  #ready = false;

  constructor(ctx: TransportContext) {
    const o = ctx.options;
    this.#ctx = ctx;
    // first: it may throw (a bad sendUrl) before any worker exists
    this.link = httpLink(ctx, () => this.#state, () => this.#dispose(), () => ctx.lastEventId);
    this.#cfg = { url: withCursor(ctx.url, o, ctx.lastEventId), intervalMs: o.pollIntervalMs, credentials: credentials(o) };
    if (noWorker.has(o)) {
      this.#local();
      return;
    }
    try {
      const W = o.Worker;
      if (!W) throw new TypeError('Worker is not available');
      // ctx.url is already absolute (a Blob worker would resolve a relative one against
      // blob:); workerUrl is resolved here, against the page
      const src = o.workerUrl
        ? new URL(String(o.workerUrl), globalThis.location?.href).href
        : (this.#blob = URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      const w = (this.#worker = new W(src));
      // a terminated worker's last messages may still be queued: only the current one counts
      w.onmessage = (e: MessageEvent<PollReport>) => this.#worker === w && this.#on(e.data);
      // a CSP refusal may arrive as this event rather than a throw (Chromium: a plain Event,
      // no message); a worker that never said `ready` is not trusted, one that did and then
      // broke is a failed connection
      w.onerror = (e) => {
        e.preventDefault();
        if (this.#worker !== w) return;
        if (this.#ready) this.link.end(networkClose(new Error(e.message || 'worker error')));
        else this.#fallback(e);
      };
    } catch (cause) {
      this.#fallback(cause);
    }
  }

  #headers(): Promise<Record<string, string>> {
    return requestHeaders(this.#ctx.options, this.#cfg.url, this.#ctx.lastEventId);
  }

  #post(m: PageMessage): void {
    this.#worker?.postMessage(m);
  }

  /** Reports from the Worker or the main-thread loop: the one place they become sink calls. */
  #on(r: PollReport): void {
    const sink = this.#ctx.sink;
    if (this.link.ended) return;
    switch (r.t) {
      case 'ready':
        this.#ready = true;
        // a headers function is called per request, on this thread: the worker will `ask`
        if (typeof this.#ctx.options.headers === 'function') return this.#post({ t: 'start', ...this.#cfg });
        void this.#headers().then((headers) => this.#post({ t: 'start', ...this.#cfg, headers }));
        return;
      case 'ask':
        this.#headers().then(
          (headers) => this.#post({ t: 'headers', headers }),
          (error: unknown) => this.link.end(networkClose(error)),
        );
        return;
      case 'status':
        return this.link.end(httpClose(r.status, r.retryAfter));
      case 'fail':
        return this.link.end(networkClose(r.error));
    }
    if (!this.#state) {
      this.#state = 1;
      sink.open();
    }
    sink.activity();
    if (r.t === 'data') sink.message('message', r.body, undefined, new URL(this.#cfg.url).origin);
  }

  /** Polls on the main thread with the same loop: not throttle-proof, but alive. */
  #local(): void {
    const o = this.#ctx.options;
    this.#stop = pollLoop(this.#cfg, o.fetch, () => this.#headers(), (r) => this.#on(r));
  }

  #fallback(cause: unknown): void {
    this.#dispose();
    const o = this.#ctx.options;
    this.#local();
    // later, never from inside the factory: a listener may close the client on `error`
    void Promise.resolve().then(() => {
      if (this.link.ended || noWorker.has(o)) return;
      noWorker.add(o);
      this.#ctx.sink.error(new WorkerUnavailableError(cause));
    });
  }

  #dispose(): void {
    this.#stop?.();
    this.#worker?.terminate();
    if (this.#blob) URL.revokeObjectURL(this.#blob);
    this.#stop = this.#worker = this.#blob = undefined;
  }
}

/**
 * worker-poll transport: `GET` the URL every `pollIntervalMs` from a
 * Worker with `If-None-Match`/`If-Modified-Since`; a changed answer is a `message`
 * whose `data` is the body text. Falls back to the main thread (one
 * `WorkerUnavailableError`) when no Worker can start, e.g. under a CSP without
 * `blob:` in `worker-src` and no `workerUrl`.
 */
export const workerPoll: TransportFactory = {
  name: 'worker-poll',
  scheme: 'http',
  create: (ctx) => new WorkerPoll(ctx).link.transport,
};
