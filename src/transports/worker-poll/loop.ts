/**
 * The worker-poll loop, shared by the Worker entry (`poll.worker.ts`)
 * and the main-thread fallback, so the polling rule lives in one place. It
 * knows nothing of the client: it reports plain, structured-clonable records
 * that the transport turns into sink calls, whichever thread it ran on.
 * Keep it tiny: it is inlined into every bundle a second time, inside the worker.
 */

/** Headers for one request, already computed on the main thread. */
export type HeaderRecord = Record<string, string>;

/** What the page tells the worker. */
export type PageMessage =
  /** Start polling. Without `headers`, the worker asks for them before every request (`headers` is a function). */
  | { t: 'start'; url: string; intervalMs: number; credentials: RequestCredentials; headers?: HeaderRecord }
  /** The answer to an `ask`. */
  | { t: 'headers'; headers: HeaderRecord };

/** What the loop (and the worker around it) reports to the page. */
export type PollReport =
  /** The worker script runs: it can be trusted. */
  | { t: 'ready' }
  /** The worker needs headers for its next request. */
  | { t: 'ask' }
  /** A good answer without a change (304, or the same ETag/body). */
  | { t: 'ok' }
  /** A good answer with a change: the body text. */
  | { t: 'data'; body: string }
  /** An unusable HTTP status; the loop has stopped. */
  | { t: 'status'; status: number; retryAfter: string | null }
  /** The request failed (network, headers function); the loop has stopped. */
  | { t: 'fail'; error: unknown };

/** What one loop needs: where, how often, with which credentials. */
export interface PollConfig {
  readonly url: string;
  /** Period between request starts (`pollIntervalMs`). */
  readonly intervalMs: number;
  readonly credentials: RequestCredentials;
}

/**
 * Polls `cfg.url` until stopped or until an answer is unusable. Sends the previous
 * answer's `ETag`/`Last-Modified` back as `If-None-Match`/`If-Modified-Since`;
 * `304` is no change; a `200` is a change when its ETag (or, without one, its body)
 * differs from the last. Returns the stop function: it clears the timer and aborts
 * the request in flight, and nothing is reported after it.
 */
export function pollLoop(
  cfg: PollConfig,
  fetchFn: typeof fetch,
  headers: () => HeaderRecord | Promise<HeaderRecord>,
  report: (r: PollReport) => void,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ctl: AbortController | undefined;
  let etag: string | null = null;
  let modified: string | null = null;
  let seen: string | undefined;
  const end = (r: PollReport): void => {
    stopped = true;
    report(r);
  };
  const tick = async (): Promise<void> => {
    const started = Date.now();
    ctl = new AbortController();
    try {
      const h = { ...(await headers()) };
      if (etag) h['If-None-Match'] = etag;
      if (modified) h['If-Modified-Since'] = modified;
      if (stopped) return;
      // no-store: the validators are ours; the HTTP cache must neither answer nor swallow a 304
      const res = await fetchFn(cfg.url, { headers: h, credentials: cfg.credentials, cache: 'no-store', signal: ctl.signal });
      if (res.status === 304) {
        if (!stopped) report({ t: 'ok' });
      } else if (!res.ok) {
        void res.body?.cancel().catch(() => {});
        if (!stopped) end({ t: 'status', status: res.status, retryAfter: res.headers.get('retry-after') });
        return;
      } else {
        const body = await res.text();
        const tag = res.headers.get('etag');
        // prefixes keep an ETag from ever equalling a body
        const key = tag === null ? 'b' + body : 'e' + tag;
        etag = tag;
        modified = res.headers.get('last-modified');
        if (stopped) return;
        report(key === seen ? { t: 'ok' } : { t: 'data', body });
        seen = key;
      }
    } catch (error) {
      if (!stopped) end({ t: 'fail', error });
      return;
    }
    // fixed rate: the period counts from one request start to the next
    if (!stopped) timer = setTimeout(tick, Math.max(0, started + cfg.intervalMs - Date.now()));
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ctl?.abort();
  };
}
