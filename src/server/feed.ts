// Fan-out from the log to this process's connections, and the join of a new
// connection: it is registered first (buffering live entries), then its cursor
// is read, then the buffer is flushed, each entry at most once and in order. A
// position per consumer makes overlaps between the replay and the live entries
// harmless, whichever of the two is ahead.
import { comparePositions, parseId, type EventLog, type LogEntry, type Position, type ResetReason } from './log.js';

/** What a connection does with what the feed hands it. */
export interface ConsumerSink {
  /**
   * Called once, before any `deliver`: `reset` when the cursor could not be
   * resumed, `head` the newest id at the time (where a cursor-less client starts),
   * `resumed` when entries after a cursor (the request's, or its session's origin) follow.
   */
  begin(reset: ResetReason | undefined, head: string, resumed: boolean): void;
  /** Entries after everything delivered so far, in order. */
  deliver(entries: readonly LogEntry[]): void;
  /** The consumer cannot continue (replay failed, buffer overflow, log wiped): close the connection. */
  fail(reason: string): void;
  /**
   * While a replay is paged in: a promise when the connection refused more
   * writes for now, so the next page waits for it to drain (a resume from far
   * back must not run into the connection's buffer limit).
   */
  drained?(): Promise<void> | undefined;
}

export interface Consumer {
  /** Stops delivery; safe to call more than once. */
  leave(): void;
}

interface State {
  readonly sink: ConsumerSink;
  position: Position | undefined;
  /** Live entries that arrived while the replay was being read; `undefined` once live. */
  buffer: LogEntry[] | undefined;
  left: boolean;
}

export interface Feed {
  /**
   * Registers a consumer at `cursor`. Without one: from the head on, or, for a
   * reliable session (`sessionId`), from the session's origin (the head when it
   * first connected), so a drop before its first event loses nothing.
   */
  join(cursor: string | undefined, sink: ConsumerSink, sessionId?: string): Consumer;
  /** Consumers registered. */
  readonly size: number;
  /** Fails every consumer (the hub is closing, or the log lost its history). */
  failAll(reason: string): void;
  stop(): void;
}

export interface FeedOptions {
  readonly log: EventLog;
  readonly maxBatch: number;
  /** Live entries a catching-up consumer may buffer before it is failed. */
  readonly maxBuffered: number;
  /** Every entry, once, after the consumers got it. */
  readonly onEntry: (entry: LogEntry) => void;
  readonly onError: (error: unknown) => void;
}

export function createFeed({ log, maxBatch, maxBuffered, onEntry, onError }: FeedOptions): Feed {
  const consumers = new Set<State>();
  // New entries wait for the end of the event-loop turn and go out as one batch:
  // a burst of publishes becomes one write per connection instead of one each,
  // and a listener that publishes (re-entrancy) can never slip its entry in
  // ahead of the rest of a batch being handed out.
  const queue: (readonly LogEntry[])[] = [];
  let draining = false;
  let scheduled = false;

  function hand(state: State, entries: readonly LogEntry[]): void {
    if (state.left) return;
    let from = 0;
    const at = state.position;
    if (at) while (from < entries.length && comparePositions(entries[from]!.position, at) <= 0) from++;
    if (from >= entries.length) return;
    const fresh = from === 0 ? entries : entries.slice(from);
    state.position = fresh[fresh.length - 1]!.position;
    try {
      state.sink.deliver(fresh);
    } catch (error) {
      onError(error);
    }
  }

  function drain(): void {
    scheduled = false;
    if (draining) return;
    draining = true;
    try {
      while (queue.length) {
        const batch = queue.length === 1 ? queue[0]! : queue.flat();
        queue.length = 0;
        for (const state of consumers) {
          if (state.buffer) {
            state.buffer.push(...batch);
            if (state.buffer.length > maxBuffered) fail(state, 'too far behind');
          } else hand(state, batch);
        }
        for (const entry of batch) {
          try {
            onEntry(entry);
          } catch (error) {
            onError(error);
          }
        }
      }
    } finally {
      draining = false;
    }
  }

  function fail(state: State, reason: string): void {
    if (state.left) return;
    state.left = true;
    consumers.delete(state);
    try {
      state.sink.fail(reason);
    } catch (error) {
      onError(error);
    }
  }

  async function catchUp(state: State, cursor: string | undefined, sessionId: string | undefined): Promise<void> {
    if (cursor === undefined && sessionId !== undefined) {
      const { head } = await log.read(undefined, 0);
      if (state.left) return;
      const origin = await log.sessions.origin(sessionId, head);
      if (state.left) return;
      if (origin !== head) cursor = origin;
    }
    let read = await log.read(cursor, maxBatch);
    if (state.left) return;
    state.position = read.reset || cursor === undefined ? read.headPosition : parseId(cursor)!.position;
    state.sink.begin(read.reset, read.head, cursor !== undefined && !read.reset);
    hand(state, read.entries);
    while (read.more && !state.left) {
      const last = read.entries[read.entries.length - 1]!;
      await state.sink.drained?.();
      if (state.left) return;
      read = await log.read(last.id, maxBatch);
      if (state.left) return;
      // trimmed while we were paging: the client must reconnect and be told
      if (read.reset) return fail(state, 'history trimmed during replay');
      hand(state, read.entries);
    }
    if (state.left) return;
    const buffered = state.buffer ?? [];
    state.buffer = undefined;
    hand(state, buffered);
  }

  const unsubscribe = log.subscribe(
    (entries) => {
      queue.push(entries);
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    },
    () => {
      for (const state of [...consumers]) fail(state, 'log history lost');
    },
  );

  return {
    join(cursor, sink, sessionId) {
      const state: State = { sink, position: undefined, buffer: [], left: false };
      consumers.add(state);
      catchUp(state, cursor, sessionId).catch((error: unknown) => {
        onError(error);
        fail(state, 'log unavailable');
      });
      return {
        leave() {
          state.left = true;
          consumers.delete(state);
        },
      };
    },
    get size() {
      return consumers.size;
    },
    failAll(reason) {
      for (const state of [...consumers]) fail(state, reason);
    },
    stop() {
      unsubscribe();
      consumers.clear();
    },
  };
}
