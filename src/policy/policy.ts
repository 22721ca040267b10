import type { CloseInfo } from '../types.js';

/** The one reconnect policy, shared by every transport. */
export interface ReconnectOptions {
  /**
   * Delay cap before the first retry.
   * @default 1000
   */
  initialDelayMs: number;
  /**
   * Upper bound of any computed delay.
   * @default 30000
   */
  maxDelayMs: number;
  /**
   * Growth of the cap per attempt.
   * @default 2
   */
  factor: number;
  /**
   * `'full'` draws the delay uniformly from [0, cap], spreading a crowd of
   * clients out after a server restart; `'none'` waits exactly the cap.
   * @default 'full'
   */
  jitter: 'full' | 'none';
  /**
   * Give up after this many consecutive failed reconnect attempts.
   * @default Infinity
   */
  maxAttempts: number;
  /**
   * The attempt counter resets only after a connection stayed OPEN this long,
   * so a server that accepts then drops at once still backs off.
   * @default 5000
   */
  minUptimeMs: number;
}

/** The defaults of SPEC §3. */
export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 30000,
  factor: 2,
  jitter: 'full',
  maxAttempts: Infinity,
  minUptimeMs: 5000,
};

/**
 * Delay before reconnect attempt `attempt` (1-based): "full jitter" from
 * AWS's "Exponential Backoff and Jitter" (2015), with a server hint
 * (`Retry-After`, SSE `retry:`) as a floor.
 */
export function nextDelay(policy: ReconnectOptions, attempt: number, hintMs = 0, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1));
  const computed = policy.jitter === 'full' ? random() * cap : cap;
  return Math.max(hintMs, computed);
}

/**
 * Close codes and HTTP statuses after which retrying cannot help. One table
 * for every transport; everything absent from it is retried.
 */
export const FATAL = {
  closeCodes: [
    1002, // protocol error: the server will reject us again
    1003, // unsupported data
    1007, // invalid frame payload data
    1008, // policy violation
    1009, // message too big
    1010, // mandatory extension missing
    1015, // TLS handshake failure
    // 1000, 1001: normal closure / going away: servers restart, so retry
    // 1011-1014: server error, restart, try again later, bad gateway: transient
  ],
  /** 4400-4499 mirror HTTP 4xx by app convention; 4408 and 4429 are the retryable ones. */
  appRange: [4400, 4499],
  appRetryable: [4408, 4429],
  httpStatuses: [
    204, // SSE only ever reports 204 as a close: "stop reconnecting", per the EventSource spec
    400, 401, 403, 404, 405, 410, 422,
    // 408, 425, 429 and 5xx: timeouts, too early, rate limits, outages: retry
  ],
  /** Refused credentials: one immediate retry when they can be refreshed. */
  auth: [401, 403, 4401, 4403],
} as const;

const includes = (list: readonly number[], value: number | undefined): boolean =>
  value !== undefined && list.includes(value);

/** True when `info` says the credentials were refused. */
export const isAuthFailure = (info: CloseInfo): boolean =>
  includes(FATAL.auth, info.status) || includes(FATAL.auth, info.code);

/** The default classification of SPEC §3: whether a connection that ended like this should be retried. */
export function shouldReconnect(info: CloseInfo): boolean {
  if (info.byUser) return false;
  if (info.status !== undefined) return !includes(FATAL.httpStatuses, info.status);
  const [low, high] = FATAL.appRange;
  if (info.code >= low && info.code <= high) return includes(FATAL.appRetryable, info.code);
  return !includes(FATAL.closeCodes, info.code);
}

/** `Retry-After` (delay-seconds or HTTP-date) in milliseconds; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // an HTTP-date always names its month; V8's lenient Date.parse would read '1.5' as a date
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
