import { isAuthFailure, nextDelay, type ReconnectOptions } from '../policy/policy.js';
import type { CloseInfo } from '../types.js';

/**
 * The reconnect decision, for every transport: the attempt counter, the server's
 * hint floor, and the one fresh-credentials retry. No timers of its own (the
 * client runs the one it returns), so it is tested with plain calls.
 */
export class Reconnector {
  /** Consecutive failed attempts since the link last proved itself. */
  attempt = 0;
  #hintMs = 0;
  #authSpent = false;

  readonly #policy: ReconnectOptions;
  readonly #classify: (info: CloseInfo) => boolean;
  readonly #canRefresh: boolean;

  /** `canRefresh`: credentials can be refreshed (a `url` or `headers` function), so a refusal earns one immediate retry. */
  constructor(policy: ReconnectOptions, classify: (info: CloseInfo) => boolean, canRefresh: boolean) {
    this.#policy = policy;
    this.#classify = classify;
    this.#canRefresh = canRefresh;
  }

  /**
   * The link proved itself: a connection stayed OPEN for `minUptimeMs`, or a
   * long-poll exchange completed. Backoff and the fresh-credentials retry start over.
   */
  proven(): void {
    this.attempt = 0;
    this.#authSpent = false;
  }

  /** A new connect cycle (`connect()`): as proven, and a `retry:` hint from the last cycle no longer applies. */
  reset(): void {
    this.proven();
    this.#hintMs = 0;
  }

  /** The server's `retry:` field: a floor for every later delay, until the next one or `reset()`. */
  hint(delayMs: number): void {
    this.#hintMs = delayMs;
  }

  /**
   * What a connection that ended with `info` leads to: the delay before the next
   * attempt (the attempt is counted), or `undefined` to give up for good.
   * A refusal of credentials that can be refreshed is retried once at once per
   * streak: a server that accepts and then closes 4401 sees two connections, not a loop.
   */
  /** Whether a close like this is retried at all (the classification alone). */
  retries(info: CloseInfo): boolean {
    return this.#classify(info);
  }

  next(info: CloseInfo): number | undefined {
    const retry = this.#classify(info);
    const refresh = !retry && !info.byUser && this.#canRefresh && !this.#authSpent && isAuthFailure(info);
    if ((!retry && !refresh) || this.attempt >= this.#policy.maxAttempts) return undefined;
    this.#authSpent ||= refresh;
    this.attempt++;
    return refresh ? 0 : nextDelay(this.#policy, this.attempt, Math.max(info.retryAfterMs ?? 0, this.#hintMs));
  }
}
