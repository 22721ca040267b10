import { ConnectTimeoutError, HttpStatusError, typed, type RealtimeError } from '../../errors.js';
import type { Resolved } from '../../policy/options.js';
import { isSendRetryable, nextDelay } from '../../policy/policy.js';
import type { SendData } from '../../types.js';

/**
 * One HTTP send until it leaves the queue: each POST bounded by `connectTimeoutMs`;
 * a network error, a timeout, 408, 425, 429 or 5xx retried under the reconnect policy
 * with `Retry-After` as a floor (each failure reported); a 4xx that retrying cannot
 * fix drops the message, reported with it. Resolves when delivered or dropped;
 * rejects only when `signal` (the client's final close) aborts it, reporting nothing.
 */
export async function deliver(
  o: Resolved,
  data: SendData,
  post: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
  report: (error: RealtimeError) => void,
): Promise<void> {
  for (let failures = 0; ; ) {
    const ctl = new AbortController();
    const stop = (): void => ctl.abort(signal.reason);
    signal.addEventListener('abort', stop);
    const timer = setTimeout(() => ctl.abort(new ConnectTimeoutError(o.connectTimeoutMs)), o.connectTimeoutMs);
    let retryAfterMs: number | undefined;
    try {
      return await post(ctl.signal);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof HttpStatusError) {
        // retrying cannot fix it: drop this one, so it never blocks the ones behind it
        if (!isSendRetryable(error.status)) return report(new HttpStatusError(error.status, error.retryAfterMs, data));
        retryAfterMs = error.retryAfterMs;
      }
      report(typed(error));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
    await new Promise<void>((resolve, reject) => {
      const stopped = (): void => (clearTimeout(wait), reject(signal.reason));
      const wait = setTimeout(() => (signal.removeEventListener('abort', stopped), resolve()), nextDelay(o.reconnect, ++failures, retryAfterMs));
      signal.addEventListener('abort', stopped, { once: true });
    });
  }
}
