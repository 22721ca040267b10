// Dedupe state kept in the process: enough for one hub process, lost with it
// (a client that then retransmits is accepted again, which the docs state).
import type { Claim, SessionStore } from './log.js';

/** Options of {@link memorySessions}. */
export interface MemorySessionsOptions {
  /** How long a session's state is kept after its last send. @default 86400000 (24 h) */
  ttlMs?: number;
  /** Sessions kept at most; the least recently active is forgotten first. @default 100000 */
  maxSessions?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

interface Session {
  last: number;
  /** `last` before the newest claim, for `release`. */
  previous: number;
  token: string;
  touchedAt: number;
  /** The head at the session's first connection (see SessionStore.origin). */
  origin?: string;
}

/** A {@link SessionStore} in a `Map`, least recently used first, bounded in count and age. */
export function memorySessions(options: MemorySessionsOptions = {}): SessionStore & { readonly size: number } {
  const ttlMs = options.ttlMs ?? 86_400_000;
  const maxSessions = options.maxSessions ?? 100_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  // expiry is checked lazily from the oldest end, so there is no timer to stop
  function evict(at: number): void {
    for (const [id, s] of sessions) {
      if (sessions.size <= maxSessions && at - s.touchedAt < ttlMs) break;
      sessions.delete(id);
    }
  }

  /** The live state of `sessionId` (a new one if it expired or never existed), now the most recent. */
  function touch(sessionId: string, at: number): Session | undefined {
    let s = sessions.get(sessionId);
    if (s && at - s.touchedAt >= ttlMs) s = undefined;
    if (s) {
      s.touchedAt = at;
      // re-insert so the Map's order stays least recently used first
      sessions.delete(sessionId);
      sessions.set(sessionId, s);
    }
    return s;
  }

  return {
    get size() {
      return sessions.size;
    },
    origin(sessionId: string, head: string): Promise<string> {
      const at = now();
      let s = touch(sessionId, at);
      if (!s) sessions.set(sessionId, (s = { last: 0, previous: 0, token: '', touchedAt: at }));
      s.origin ??= head;
      evict(at);
      return Promise.resolve(s.origin);
    },
    claim(sessionId: string, seq: number, token: string): Promise<Claim> {
      const at = now();
      let s = touch(sessionId, at);
      let fresh: boolean;
      if (!s) {
        sessions.set(sessionId, (s = { last: seq, previous: 0, token, touchedAt: at }));
        fresh = true;
      } else if (seq > s.last) {
        s.previous = s.last;
        s.last = seq;
        s.token = token;
        fresh = true;
      } else fresh = seq === s.last && s.token === token;
      evict(at);
      return Promise.resolve({ fresh, last: s.last });
    },
    release(sessionId: string, seq: number, token: string): Promise<void> {
      const s = sessions.get(sessionId);
      if (s && s.last === seq && s.token === token) {
        s.last = s.previous;
        s.token = '';
      }
      return Promise.resolve();
    },
  };
}
