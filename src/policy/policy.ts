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
   * `'full'` draws the first retry's delay uniformly from [0, cap] and the second
   * and third from [previous cap, cap], spreading a crowd of clients out after a
   * server restart; `'none'` waits exactly the cap.
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
  /**
   * Longest wait a server hint (`Retry-After`, SSE `retry:`) may impose: a bogus
   * value neither parks the client for days nor overflows a timer.
   * @default 3600000
   */
  maxHintMs: number;
}

/** The default reconnect policy. */
export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 30000,
  factor: 2,
  jitter: 'full',
  maxAttempts: Infinity,
  minUptimeMs: 5000,
  maxHintMs: 3600000,
};

/**
 * Delay before reconnect attempt `attempt` (1-based), with a server hint as a floor.
 * "Full jitter" (AWS, "Exponential Backoff and Jitter", 2015) for the first retry.
 * The second and third are drawn from [previous cap, cap]: with plain full jitter,
 * clients whose early draws failed during a longer outage pile into the early part
 * of the next wave, and waves overlap (16-18% of a crowd in one 100 ms window after
 * a 1-30 s outage, measured on the real state machine; 11-13% with this floor, the
 * median time back unchanged). From the fourth on, waves are wide enough: full jitter.
 */
export function nextDelay(policy: ReconnectOptions, attempt: number, hintMs = 0, random = Math.random): number {
  const cap = (n: number): number => Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, n - 1));
  const high = cap(attempt);
  const low = policy.jitter === 'none' ? high : attempt === 2 || attempt === 3 ? cap(attempt - 1) : 0;
  return Math.max(Math.min(hintMs, policy.maxHintMs), low + random() * (high - low));
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
    // 1005, 1006: no status / abnormal closure: what a network failure looks like
    // 1011-1014: server error, restart, try again later, bad gateway: transient
  ],
  /** 4400-4499 mirror HTTP 4xx by app convention; 4408 and 4429 are the retryable ones. */
  appRange: [4400, 4499],
  appRetryable: [4408, 4429],
  httpStatuses: [
    204, // SSE only ever reports 204 as a close: "stop reconnecting", per the EventSource standard
    400, 401, 403, 404, 405, 410, 422,
    // 408, 425, 429 and 5xx: timeouts, too early, rate limits, outages: retry
    // other 4xx (402, 406, 409, ...): rare on a stream URL; retried under the backoff rather than lost
  ],
  /** Refused credentials: one immediate retry when they can be refreshed. */
  auth: [401, 403, 4401, 4403],
  /** Statuses after which a POSTed send is tried again; any other 4xx drops that one message. */
  sendRetryable: [408, 425, 429],
} as const;

const includes = (list: readonly number[], value: number | undefined): boolean =>
  value !== undefined && list.includes(value);

/** True when `info` says the credentials were refused. */
export const isAuthFailure = (info: CloseInfo): boolean =>
  includes(FATAL.auth, info.status) || includes(FATAL.auth, info.code);

/** Whether a send that failed with this HTTP status is tried again (else it is dropped and reported). */
export const isSendRetryable = (status: number): boolean => status >= 500 || status < 400 || includes(FATAL.sendRetryable, status);

/** The default classification: whether a connection that ended like this should be retried. */
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
