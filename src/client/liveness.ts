import type { Resolved } from '../policy/options.js';
import type { Transport } from '../transport.js';

/** One connection's deadlines, served by the page-wide timer. */
export interface Watch {
  /** Set on every inbound byte the transport reports: a property store, no clock read, no timer. */
  seen: boolean;
  /** Ends the watch. */
  stop(): void;
}

interface Entry {
  /** When this entry wants the timer next. */
  due: number;
  /** Runs at (or after) `due`; returns the next due time. */
  run(now: number): number;
}

// One timer per page for every client's heartbeat and idle deadline: two hundred
// clients cost one pending timer, not four hundred.
const entries = new Set<Entry>();
let timer: ReturnType<typeof setTimeout> | undefined;

function arm(): void {
  clearTimeout(timer);
  let due = Infinity;
  for (const e of entries) due = Math.min(due, e.due);
  timer = due < Infinity ? setTimeout(tick, Math.max(0, due - Date.now())) : undefined;
}

function tick(): void {
  const now = Date.now();
  for (const e of [...entries]) if (e.due <= now && entries.has(e)) e.due = e.run(now);
  arm();
}

/** Checks per deadline: silence is detected between `limit` and 1.25 x `limit` after the last inbound data. */
const STEPS = 4;

/**
 * Watches one open connection: with `heartbeat` (transports that can ping), a
 * ping every `intervalMs` and a deadline of `intervalMs + timeoutMs`; with
 * `idleTimeoutMs`, that deadline for any transport. Any inbound data proves
 * liveness. `fail` runs once, with the silence measured. Undefined when no
 * deadline applies.
 */
export function watchLiveness(o: Resolved, live: Transport, fail: (silentMs: number) => void): Watch | undefined {
  const beat = live.ping && o.heartbeat;
  const limit = Math.min(beat ? beat.intervalMs + beat.timeoutMs : Infinity, o.idleTimeoutMs ?? Infinity);
  if (limit === Infinity) return undefined;
  const step = Math.max(1, Math.ceil(limit / STEPS));
  const start = Date.now();
  let check = start + step;
  let ping = beat ? start + beat.intervalMs : Infinity;
  let quiet = 0;
  const watch: Watch = {
    seen: false,
    stop: () => {
      entries.delete(entry);
      arm();
    },
  };
  const entry: Entry = {
    due: Math.min(check, ping),
    run(now) {
      if (now >= check) {
        quiet = watch.seen ? 0 : quiet + 1;
        watch.seen = false;
        check = now + step;
        if (quiet >= STEPS) {
          watch.stop();
          fail(quiet * step);
          return Infinity;
        }
      }
      if (beat && now >= ping) {
        ping = now + beat.intervalMs;
        live.ping!();
      }
      return Math.min(check, ping);
    },
  };
  entries.add(entry);
  arm();
  return watch;
}
