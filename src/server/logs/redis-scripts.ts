// The Lua scripts of redisLog. Each runs atomically inside Redis, which is what
// makes the epoch check, the trim check and the dedupe check race-free across
// any number of hub processes.
import { createHash } from 'node:crypto';

/** A script and its SHA1, for EVALSHA with an EVAL fallback. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

// the epoch is created on first use, by whichever process comes first
const EPOCH = `
local ep = redis.call('GET', KEYS[2])
if not ep then
  ep = ARGV[1]
  redis.call('SET', KEYS[2], ep)
end`;

/**
 * Appends one entry. KEYS: stream, epoch. ARGV: candidate epoch, maxLen, then
 * field/value pairs. Every entry carries its epoch (`p`), so a reader notices
 * when the store was wiped under it. Returns `{ epoch, streamId }`.
 */
export const APPEND = script(`${EPOCH}
local args = {'XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'p', ep}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
return {ep, redis.call(unpack(args))}`);

/**
 * Reads the log's state and, when the cursor's epoch is the log's, the entries
 * after it. KEYS: stream, epoch. ARGV: candidate epoch, cursor epoch ('' for
 * none), cursor stream id, count. Returns `{ epoch, lastId, maxDeletedId|false,
 * firstId|false, entriesAdded|false, length, entries }`. Trimming does not move
 * `max-deleted-entry-id` (only XDEL does); `entries-added` above `length` says
 * that entries were removed. Both exist from Redis 7.0 on.
 */
export const READ = script(`${EPOCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return {ep, '0-0', '0-0', false, 0, 0, {}} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, maxdel, first, added, len = '0-0', false, false, false, 0
for i = 1, #info, 2 do
  local k = info[i]
  if k == 'last-generated-id' then last = info[i + 1]
  elseif k == 'max-deleted-entry-id' then maxdel = info[i + 1]
  elseif k == 'entries-added' then added = info[i + 1]
  elseif k == 'length' then len = info[i + 1]
  elseif k == 'first-entry' and info[i + 1] then first = info[i + 1][1] end
end
local range = {}
if ARGV[2] == ep then range = redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+', 'COUNT', ARGV[4]) end
return {ep, last, maxdel, first, added, len, range}`);

/**
 * Claims one client send. KEYS: the session hash (`l` the highest seq, `t` the
 * token of its claim, `p` the value before it). ARGV: seq, token, ttl (ms).
 * Fresh when seq is above the highest recorded, or equal to it with the same
 * token (a retried claim whose reply was lost). Returns `{ fresh (0|1), last }`.
 */
export const CLAIM = script(`
local previous = redis.call('HGET', KEYS[1], 'l') or '0'
local last = tonumber(previous)
local seq = tonumber(ARGV[1])
local fresh = 0
if seq > last then
  redis.call('HSET', KEYS[1], 'l', ARGV[1], 't', ARGV[2], 'p', previous)
  last = seq
  fresh = 1
elseif seq == last and redis.call('HGET', KEYS[1], 't') == ARGV[2] then
  fresh = 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {fresh, last}`);

/**
 * The session's origin (the head at its first connection). KEYS: the session
 * hash (`o`). ARGV: the current head, ttl (ms). Set only when absent; returns it.
 */
export const ORIGIN = script(`
redis.call('HSETNX', KEYS[1], 'o', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGET', KEYS[1], 'o')`);

/**
 * Releases a claim whose listeners failed. KEYS: the session hash. ARGV: seq,
 * token. Only when that claim is still the newest: `last` goes back to what it was.
 */
export const RELEASE = script(`
if redis.call('HGET', KEYS[1], 'l') == ARGV[1] and redis.call('HGET', KEYS[1], 't') == ARGV[2] then
  redis.call('HSET', KEYS[1], 'l', redis.call('HGET', KEYS[1], 'p') or '0', 't', '')
end
return 0`);
