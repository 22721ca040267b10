// The embedded default: the newest entries in an array, ids `<epoch>-<n>` with n
// counting from 1. A new instance (a restart) has a new epoch, so cursors handed
// out by the previous one are foreign and get the reset signal.
import { classifyCursor, newEpoch, type EventLog, type LogEntry, type LogListener, type LogRead } from '../log.js';
import { memorySessions } from '../sessions.js';

/** Options of {@link memoryLog}. */
export interface MemoryLogOptions {
  /**
   * Entries kept for resuming. Trimming happens in batches, so up to an eighth
   * more may be held for a while; cursors older than what is kept get a reset.
   * @default 10000
   */
  maxLen?: number;
  /** How long a session's dedupe state is kept after its last send. @default 86400000 (24 h) */
  sessionTtlMs?: number;
  /** Sessions whose dedupe state is kept at most (least recently active forgotten first). @default 100000 */
  maxSessions?: number;
}

/** An {@link EventLog} in this process's memory: one process, nothing to install. */
export function memoryLog(options: MemoryLogOptions = {}): EventLog {
  const maxLen = options.maxLen ?? 10_000;
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) throw new RangeError(`memoryLog: maxLen must be a positive integer, got ${String(maxLen)}`);
  const epoch = newEpoch();
  const entries: LogEntry[] = [];
  const listeners = new Set<LogListener>();
  // position of entries[0]; entries hold first, first + 1, ... last
  let first = 1;
  let last = 0;
  // one splice per slack appends instead of a shift per append
  const slack = Math.max(1, Math.floor(maxLen / 8));
  const sessions = memorySessions({
    ...(options.sessionTtlMs === undefined ? {} : { ttlMs: options.sessionTtlMs }),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
  });

  return {
    kind: 'memory',
    sessions,
    open: () => Promise.resolve(),
    append(event, data) {
      last++;
      const entry: LogEntry = { id: `${epoch}-${last}`, position: [last, 0], event, data };
      entries.push(entry);
      if (entries.length > maxLen + slack) {
        const drop = entries.length - maxLen;
        entries.splice(0, drop);
        first += drop;
      }
      for (const listener of listeners) listener([entry]);
      return Promise.resolve(entry.id);
    },
    read(cursor, limit): Promise<LogRead> {
      const head = `${epoch}-${last}`;
      const headPosition = [last, 0] as const;
      const { reset, after } = classifyCursor(cursor, epoch, headPosition, [first - 1, 0]);
      if (after === undefined) return Promise.resolve({ reset, entries: [], more: false, head, headPosition });
      const from = after[0] + 1 - first;
      const page = entries.slice(from, from + limit);
      return Promise.resolve({ reset, entries: page, more: from + page.length < entries.length, head, headPosition });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
