// The log on a Redis Stream, shared by any number of hub processes:
// - XADD MAXLEN ~ appends (in a script that also creates the epoch on first use);
// - every process runs one XREAD BLOCK loop on a connection of its own (a blocked
//   connection answers nothing else) and hands each entry to its clients;
// - XRANGE replays from a cursor, in the same script as the epoch and trim checks;
// - the dedupe state of each session is a hash with a TTL, claimed by a script.
// Ids are `<epoch>-<ms>-<seq>`: the stream's own id behind the epoch.
import { classifyCursor, comparePositions, newEpoch, type Claim, type EventLog, type LogEntry, type LogListener, type LogRead, type Position } from '../log.js';
import { APPEND, CLAIM, ORIGIN, READ, RELEASE, type Script } from './redis-scripts.js';

/** Options of {@link redisLog}. */
export interface RedisLogOptions {
  /** The server, `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. @default 'redis://127.0.0.1:6379' */
  url?: string;
  /**
   * The stream's key. Every process given the same `url` and `key` serves one
   * log. Also used: `<key>:epoch` and `<key>:session:<sessionId>`.
   * @default 'pushline'
   */
  key?: string;
  /** Entries kept, approximately (`XADD MAXLEN ~`: Redis trims in whole blocks, so a few more may stay). @default 10000 */
  maxLen?: number;
  /** How long a session's dedupe state is kept after its last send (a key TTL). @default 86400000 (24 h) */
  sessionTtlMs?: number;
  /** How long `open()` waits for the first connection before the hub starts anyway (requests get 503 until Redis answers). @default 5000 */
  connectTimeoutMs?: number;
  /** How long one XREAD blocks before it is issued again (also bounds how fast `close()` is noticed by Redis). @default 5000 */
  blockMs?: number;
}

/** The few calls used, so the client's own generic types stay out of ours. */
interface Connection {
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): Connection;
  destroy(): void;
  close?(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  readonly isReady: boolean;
}

type Raw = unknown;
const str = (v: Raw): string => (typeof v === 'string' ? v : String(v));
const list = (v: Raw): readonly Raw[] => (Array.isArray(v) ? v : []);

/** The entries of `key` in an XREAD reply: RESP2 arrays, or the map node-redis makes of them. */
function streamEntries(reply: Raw, key: string): readonly Raw[] {
  if (Array.isArray(reply)) return list(list(reply[0])[1]);
  if (reply instanceof Map) return list(reply.get(key));
  if (typeof reply === 'object' && reply !== null) return list((reply as Record<string, Raw>)[key]);
  return [];
}

function streamPosition(id: string): Position {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** One stream entry (`[id, [field, value, ...]]`) as a log entry. */
function decode(raw: Raw): LogEntry & { epoch: string } {
  const [rawId, rawFields] = list(raw);
  const streamId = str(rawId);
  const fields = list(rawFields);
  let epoch = '';
  let event: string | undefined;
  let data = '';
  let binary = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = str(fields[i + 1]);
    switch (str(fields[i])) {
      case 'p':
        epoch = value;
        break;
      case 'e':
        event = value;
        break;
      case 'd':
        data = value;
        break;
      case 'b':
        binary = value === '1';
        break;
    }
  }
  return { epoch, id: `${epoch}-${streamId}`, position: streamPosition(streamId), event, data: binary ? Buffer.from(data, 'base64') : data };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * An {@link EventLog} on a Redis Stream (Redis 7 or later), with the per-session
 * dedupe state in Redis too, so every hub process on the same `url` and `key`
 * serves any client and any reconnect. Needs the `redis` package (node-redis).
 */
export function redisLog(options: RedisLogOptions = {}): EventLog {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const key = options.key ?? 'pushline';
  const maxLen = options.maxLen ?? 10_000;
  const sessionTtlMs = options.sessionTtlMs ?? 86_400_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const blockMs = options.blockMs ?? 5000;
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) throw new RangeError(`redisLog: maxLen must be a positive integer, got ${String(maxLen)}`);
  if (!Number.isSafeInteger(sessionTtlMs) || sessionTtlMs < 1) throw new RangeError(`redisLog: sessionTtlMs must be a positive integer, got ${String(sessionTtlMs)}`);
  const epochKey = `${key}:epoch`;
  const listeners = new Set<{ listener: LogListener; onEpoch: (() => void) | undefined }>();
  let commands: Connection | undefined;
  let reader: Connection | undefined;
  let report: (error: unknown) => void = () => {};
  let closed = false;
  let loop: Promise<void> | undefined;
  /** The epoch the loop last saw, and the stream id it reads after. */
  let epoch = '';
  let lastId = '0-0';

  async function run(c: Connection | undefined, s: Script, keys: readonly string[], args: readonly string[]): Promise<Raw> {
    if (!c) throw new Error('redisLog: not open');
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await c.sendCommand(['EVALSHA', s.sha, ...tail]);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return c.sendCommand(['EVAL', s.source, ...tail]);
    }
  }

  async function readState(cursor: string | undefined, limit: number, c = commands): Promise<LogRead & { epoch: string; lastId: string }> {
    const dash = cursor?.indexOf('-') ?? -1;
    const cursorEpoch = cursor !== undefined && dash > 0 ? cursor.slice(0, dash) : '';
    const cursorStream = cursor !== undefined && dash > 0 ? cursor.slice(dash + 1) : '';
    // only a well-formed stream id may reach XRANGE (anything else is unknown anyway)
    const validStream = /^\d{1,16}(-\d{1,16})?$/.test(cursorStream);
    const reply = list(await run(c, READ, [key, epochKey], [newEpoch(), validStream ? cursorEpoch : '', validStream ? cursorStream : '0', String(limit)]));
    const ep = str(reply[0]);
    const last = str(reply[1]);
    const headPosition = streamPosition(last);
    const trimmedUpTo = horizon(reply[2], reply[3], reply[4], reply[5], headPosition);
    const { reset } = classifyCursor(cursor, ep, headPosition, trimmedUpTo);
    const head = `${ep}-${last}`;
    if (cursor === undefined || reset) return { reset, entries: [], more: false, head, headPosition, epoch: ep, lastId: last };
    const entries = list(reply[6]).map(decode);
    return { reset, entries, more: entries.length >= limit, head, headPosition, epoch: ep, lastId: last };
  }

  function deliver(entries: readonly LogEntry[]): void {
    for (const { listener } of listeners) {
      try {
        listener(entries);
      } catch (error) {
        report(error);
      }
    }
  }

  function epochChanged(): void {
    for (const { onEpoch } of listeners) {
      try {
        onEpoch?.();
      } catch (error) {
        report(error);
      }
    }
  }

  /** Where the loop starts: the head as it is now. */
  async function initialize(): Promise<void> {
    const state = await readState(undefined, 1, reader);
    epoch = state.epoch;
    lastId = state.lastId;
  }

  async function readLoop(initialized: () => void): Promise<void> {
    let failures = 0;
    // after a failure the loop checks that its position still exists before reading on
    let verify = false;
    while (!closed) {
      try {
        if (!epoch) {
          await initialize();
          initialized();
        } else if (verify) {
          const state = await readState(`${epoch}-${lastId}`, 1, reader);
          if (state.reset) {
            epoch = state.epoch;
            lastId = state.lastId;
            epochChanged();
          }
        }
        verify = false;
        const reply = await reader!.sendCommand(['XREAD', 'COUNT', '1000', 'BLOCK', String(blockMs), 'STREAMS', key, lastId]);
        failures = 0;
        const raw = streamEntries(reply, key);
        if (raw.length === 0) continue;
        const entries = raw.map(decode);
        lastId = str(list(raw[raw.length - 1])[0]);
        if (entries.some((e) => e.epoch !== epoch)) {
          // the store was wiped and refilled under us: clients must reconnect and be told
          epoch = entries[entries.length - 1]!.epoch;
          epochChanged();
          continue;
        }
        deliver(entries);
      } catch (error) {
        if (closed) return;
        if (failures === 0) report(error);
        verify = true;
        await delay(Math.min(2000, 50 * 2 ** Math.min(failures++, 6)));
      }
    }
  }

  return {
    kind: 'redis',
    sessions: {
      async claim(sessionId: string, seq: number, token: string): Promise<Claim> {
        const reply = list(await run(commands, CLAIM, [`${key}:session:${sessionId}`], [String(seq), token, String(sessionTtlMs)]));
        return { fresh: Number(reply[0]) === 1, last: Number(reply[1]) };
      },
      async release(sessionId: string, seq: number, token: string): Promise<void> {
        await run(commands, RELEASE, [`${key}:session:${sessionId}`], [String(seq), token]);
      },
      async origin(sessionId: string, head: string): Promise<string> {
        return String(await run(commands, ORIGIN, [`${key}:session:${sessionId}`], [head, String(sessionTtlMs)]));
      },
    },

    async open(onError) {
      if (commands) return;
      report = onError ?? (() => {});
      let createClient: (options: object) => Connection;
      try {
        ({ createClient } = (await import('redis')) as unknown as { createClient: typeof createClient });
      } catch (error) {
        throw new Error("redisLog needs the 'redis' package: npm install redis", { cause: error });
      }
      commands = createClient({
        url,
        // fail fast while disconnected: a request answered 503 beats one that hangs
        disableOfflineQueue: true,
        socket: { reconnectStrategy: (retries: number) => Math.min(2000, 50 * 2 ** Math.min(retries, 6)), connectTimeout: connectTimeoutMs },
      });
      reader = commands.duplicate();
      for (const c of [commands, reader]) c.on('error', (error) => report(error));
      const connected = Promise.all([commands.connect(), reader.connect()]);
      connected.catch(() => {}); // a failed first connection is retried by the client and reported above
      // the hub starts within connectTimeoutMs whatever Redis does; the loop keeps trying
      const deadline = delay(connectTimeoutMs);
      await Promise.race([connected, deadline]);
      let initialized = (): void => {};
      const ready = new Promise<void>((resolve) => (initialized = resolve));
      loop = readLoop(initialized);
      await Promise.race([ready, deadline]);
    },

    async append(event, data) {
      const binary = typeof data !== 'string';
      const fields = [...(event === undefined ? [] : ['e', event]), 'd', binary ? Buffer.from(data).toString('base64') : data, ...(binary ? ['b', '1'] : [])];
      const reply = list(await run(commands, APPEND, [key, epochKey], [newEpoch(), String(maxLen), ...fields]));
      return `${str(reply[0])}-${str(reply[1])}`;
    },

    read: (cursor, limit) => readState(cursor, limit),

    subscribe(listener, onEpoch) {
      const entry = { listener, onEpoch };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },

    async close() {
      closed = true;
      listeners.clear();
      // the blocked XREAD is abandoned, not awaited: it would hold close() for blockMs
      reader?.destroy();
      await loop;
      try {
        if (commands?.close) await Promise.race([commands.close(), delay(1000)]);
      } catch {
        // already gone
      }
      try {
        commands?.destroy();
      } catch {
        // already closed
      }
    },
  };
}

/**
 * The newest position that may have been removed. Entries before the first one
 * count as removed once any entry was (the stream does not say which trimmed id
 * was newest), so a cursor older than the first entry resets; XDEL'd ids count
 * through `max-deleted-entry-id`. Without `entries-added` (before Redis 7) any
 * cursor before the first entry resets.
 */
function horizon(maxDeleted: Raw, firstId: Raw, added: Raw, length: Raw, head: Position): Position {
  const deleted: Position = typeof maxDeleted === 'string' ? streamPosition(maxDeleted) : [0, 0];
  const removed = added === false || added === null ? true : Number(added) > Number(length);
  if (!removed) return deleted;
  const beforeFirst = typeof firstId === 'string' ? minusOne(streamPosition(firstId)) : head;
  return comparePositions(beforeFirst, deleted) > 0 ? beforeFirst : deleted;
}

function minusOne([major, minor]: Position): Position {
  return minor > 0 ? [major, minor - 1] : [Math.max(0, major - 1), Number.MAX_SAFE_INTEGER];
}
