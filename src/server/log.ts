// The contract between the hub and an event log, and the one rule every log
// follows for ids and cursors. Kept apart from both implementations so a third
// log (a database table, another broker) has one page to read.
//
// An id is `<epoch>-<position>`:
// - `epoch` names one log: random per memoryLog() instance, stored next to the
//   stream in Redis. A cursor whose epoch is not the log's is foreign: it comes
//   from another log, or from this one before its history was lost.
// - `position` is one or two dash-separated decimal integers that grow with
//   every entry (a counter in memory, the stream entry id `ms-seq` in Redis).

/** Where an entry sits in its log: compared major first, then minor. */
export type Position = readonly [major: number, minor: number];

/** One event of a log. */
export interface LogEntry {
  /** The public id, `<epoch>-<position>`, sent to clients and accepted back as a cursor. */
  readonly id: string;
  /** The position inside the log, for ordering. */
  readonly position: Position;
  /** The event name; `undefined` for plain messages. */
  readonly event: string | undefined;
  /** The payload: text, or bytes (base64 on the JSON and SSE wire formats). */
  readonly data: string | Uint8Array;
}

/** Why a cursor cannot be resumed. */
export type ResetReason =
  /** some entry after the cursor was trimmed away */
  | 'trimmed'
  /** the cursor is from another log (or malformed, or ahead of this log) */
  | 'unknown';

/** What a log answers for a cursor. */
export interface LogRead {
  /** Set when the client must be told to reset; the entries then start after `head`. */
  readonly reset: ResetReason | undefined;
  /** Entries after the cursor (or after `head` on a reset), oldest first, at most the limit asked for. */
  readonly entries: readonly LogEntry[];
  /** Whether more entries follow `entries` (read again from the last one). */
  readonly more: boolean;
  /** The id of the newest entry when the read was made, or of the empty log's start. */
  readonly head: string;
  /** `head`'s position. */
  readonly headPosition: Position;
}

/** The outcome of claiming one client send. */
export interface Claim {
  /** `true`: process it now. `false`: it was processed before; acknowledge and ignore it. */
  readonly fresh: boolean;
  /** The highest seq recorded for the session (the cumulative ack to send). */
  readonly last: number;
}

/** Per-session dedupe state: the highest seq processed for each session. */
export interface SessionStore {
  /**
   * Atomically records `seq` for `sessionId` unless a seq at least as high is
   * already recorded. `token` identifies one attempt: a claim retried with the
   * same token (after a lost reply) is still `fresh`.
   */
  claim(sessionId: string, seq: number, token: string): Promise<Claim>;
  /**
   * Undoes the claim made with `token` for `seq` (its listeners failed), if no
   * later seq was claimed meanwhile, so the client's retransmit is fresh again.
   */
  release(sessionId: string, seq: number, token: string): Promise<void>;
  /**
   * Where a session without a cursor resumes: the head at the session's first
   * connection, recorded once (atomically: `head` is the current head, kept only
   * if none is recorded yet). A reliable client that drops before its first event
   * has no cursor to send, and must still miss nothing published since it joined.
   */
  origin(sessionId: string, head: string): Promise<string>;
}

/** Receives new entries in log order, from every process writing to the log. */
export type LogListener = (entries: readonly LogEntry[]) => void;

/**
 * An event log the hub serves from. `memoryLog()` and `redisLog()` implement it;
 * a custom log (a database table, another broker) must keep ids in the
 * `<epoch>-<position>` form ({@link parseId}) and apply the cursor rules of
 * {@link classifyCursor} in `read`.
 */
export interface EventLog {
  /** A short name for diagnostics (`'memory'`, `'redis'`). */
  readonly kind: string;
  /** Per-session dedupe state that lives as long and as far as the log does. */
  readonly sessions: SessionStore;
  /**
   * Connects and starts delivering new entries to `subscribe` listeners; called
   * once by the hub. Failures after this resolves (a lost connection) go to
   * `onError`; the log recovers by itself.
   */
  open(onError?: (error: unknown) => void): Promise<void>;
  /** Appends one entry; resolves with its id once it is stored. */
  append(event: string | undefined, data: string | Uint8Array): Promise<string>;
  /** Entries after `cursor` (none when `cursor` is `undefined`), at most `limit`. */
  read(cursor: string | undefined, limit: number): Promise<LogRead>;
  /**
   * Calls `listener` with every new entry, in order, once each. `onEpoch` is
   * called when the log's identity changed under the hub (its store was wiped):
   * every client must then reconnect to learn of the reset.
   */
  subscribe(listener: LogListener, onEpoch?: () => void): () => void;
  /** Stops delivering and releases connections. */
  close(): Promise<void>;
}

const POSITION = /^(\d{1,16})(?:-(\d{1,16}))?$/;
const EPOCH = /^[0-9a-z]{1,32}$/;

/** Splits a public id; `undefined` when it is not of the `<epoch>-<position>` form. */
export function parseId(id: string): { epoch: string; position: Position } | undefined {
  const dash = id.indexOf('-');
  if (dash <= 0) return undefined;
  const epoch = id.slice(0, dash);
  const match = POSITION.exec(id.slice(dash + 1));
  if (!EPOCH.test(epoch) || !match) return undefined;
  const major = Number(match[1]);
  const minor = match[2] === undefined ? 0 : Number(match[2]);
  return Number.isSafeInteger(major) && Number.isSafeInteger(minor) ? { epoch, position: [major, minor] } : undefined;
}

/** Orders two positions: negative, zero or positive. */
export const comparePositions = (a: Position, b: Position): number => a[0] - b[0] || a[1] - b[1];

/** A fresh random epoch: 10 base-36 characters (about 51 bits). */
export function newEpoch(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString(36).padStart(10, '0').slice(-10);
}

/**
 * The cursor rules, the same for every log: no cursor resumes nothing; a cursor
 * from another epoch, malformed, or ahead of the head is unknown; a cursor before
 * the newest trimmed position lost entries; any other cursor resumes exactly.
 * @param trimmedUpTo the newest position removed from the log, `[0, 0]` if none was
 */
export function classifyCursor(
  cursor: string | undefined,
  epoch: string,
  head: Position,
  trimmedUpTo: Position,
): { reset: ResetReason | undefined; after: Position | undefined } {
  if (cursor === undefined) return { reset: undefined, after: undefined };
  const parsed = parseId(cursor);
  if (!parsed || parsed.epoch !== epoch || comparePositions(parsed.position, head) > 0) return { reset: 'unknown', after: head };
  if (comparePositions(parsed.position, trimmedUpTo) < 0) return { reset: 'trimmed', after: head };
  return { reset: undefined, after: parsed.position };
}
