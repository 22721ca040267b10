// redisLog on a real redis-server: two hubs (two servers, two logs) on one key
// behave as one. Resume across nodes and transports, the reset for trimmed and
// foreign cursors, dedupe across nodes, and what a Redis outage looks like.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryLog, redisLog, type MessageEvent, type RedisLogOptions } from '../../src/entries/server.js';
import { openSse, openWs, poll, startHub, until, waitFor, type HubServer } from '../helpers/protocol.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
let keyN = 0;
let nodes: HubServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis?.stop());
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

/** `count` hubs on one fresh key. */
async function cluster(count = 2, options: RedisLogOptions = {}, hub = {}): Promise<HubServer[]> {
  const key = `test-${process.pid}-${++keyN}`;
  const made: HubServer[] = [];
  for (let i = 0; i < count; i++) made.push(await startHub({ log: redisLog({ url: redis.url, key, ...options }), ...hub }));
  nodes.push(...made);
  return made;
}

const lp = (n: HubServer, cursor?: string): string =>
  `${n.http}?transport=long-poll${cursor === undefined ? '' : `&lastEventId=${encodeURIComponent(cursor)}`}`;

describe('redisLog', () => {
  it('ids are <epoch>-<ms>-<seq>; an event published on one node reaches clients of the other', async () => {
    const [a, b] = await cluster();
    const s = await openSse(b!.http);
    await waitFor(() => s.blocks.some((x) => x.id));
    const id = await a!.hub.publish('from a', { event: 'chat' });
    expect(id).toMatch(/^[0-9a-z]{10}-\d+-\d+$/);
    await waitFor(() => s.events().length === 1);
    expect(s.events()[0]).toMatchObject({ id, event: 'chat', data: 'from a' });
    s.close();
  });

  it('a cursor from one node resumes on the other, on every transport', async () => {
    const [a, b] = await cluster();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await (i % 2 ? a! : b!).hub.publish(`e${i}`));
    const s = await openSse(`${b!.http}?lastEventId=${encodeURIComponent(ids[1]!)}`);
    await waitFor(() => s.events().length === 4);
    expect(s.events().map((e) => e.data)).toEqual(['e2', 'e3', 'e4', 'e5']);
    s.close();
    expect((await poll(lp(a!, ids[3]))).blocks.map((x) => x.data)).toEqual(['e4', 'e5']);
    const ws = await openWs(`${a!.ws}?sessionId=x&lastEventId=${encodeURIComponent(ids[4]!)}`, ['pushline.v1']);
    await waitFor(() => ws.frames.length === 1);
    expect(ws.frames[0]).toEqual({ type: 'message', id: ids[5], data: 'e5' });
    ws.ws.close();
  });

  it('a long-poll held on one node is answered by a publish on the other; the cursor handoff is the shared head', async () => {
    const [a, b] = await cluster(2, {}, { holdMs: 60000 });
    await a!.hub.publish('old');
    const head = (await poll(lp(b!))).blocks[0]!.id!;
    const held = poll(lp(b!, head));
    await waitFor(() => b!.hub.stats().longPoll === 1);
    await a!.hub.publish('wake');
    expect((await held).blocks.map((x) => x.data)).toEqual(['wake']);
  });

  it('a cursor from another key or from a memoryLog gets exactly one reset, then the stream', async () => {
    const [a] = await cluster(1);
    const [other] = await cluster(1);
    const foreign = await other!.hub.publish('elsewhere');
    const fromMemory = await memoryLog().append(undefined, 'x');
    let head = await a!.hub.publish('here');
    for (const cursor of [foreign, fromMemory]) {
      const s = await openSse(`${a!.http}?lastEventId=${encodeURIComponent(cursor)}`);
      await waitFor(() => s.blocks.some((x) => x.event === 'pushline.reset'));
      const next = await a!.hub.publish('next');
      await waitFor(() => s.events().some((e) => e.id === next));
      expect(s.events().map((e) => [e.event, e.id])).toEqual([
        ['pushline.reset', head],
        ['message', next],
      ]);
      s.close();
      head = next;
    }
  });

  it('a trimmed cursor (MAXLEN ~) gets a reset with reason trimmed; the WebSocket gets the reset frame first', async () => {
    const [a] = await cluster(1, { maxLen: 10 });
    const first = await a!.hub.publish('first');
    // Redis trims whole blocks (100 entries by default): publish well past one
    for (let i = 0; i < 400; i++) await a!.hub.publish(`e${i}`);
    const r = await poll(lp(a!, first));
    expect(r.blocks).toHaveLength(1);
    expect(r.blocks[0]).toMatchObject({ event: 'pushline.reset', data: '{"reason":"trimmed"}' });
    const ws = await openWs(`${a!.ws}?lastEventId=${encodeURIComponent(first)}`, ['pushline.v1']);
    await waitFor(() => ws.frames.length >= 1);
    await a!.hub.publish('live');
    await waitFor(() => ws.frames.length === 2);
    expect(ws.frames[0]).toEqual({ type: 'reset' });
    expect(ws.frames[1]).toMatchObject({ data: 'live' });
    ws.ws.close();
  });

  it('a new hub process on the same key keeps the epoch: old cursors resume, no reset', async () => {
    const [a] = await cluster(1);
    const key = `test-${process.pid}-${keyN}`;
    const id = await a!.hub.publish('before restart');
    await a!.hub.publish('after the cursor');
    await a!.close();
    nodes = [];
    nodes.push(await startHub({ log: redisLog({ url: redis.url, key }) }));
    const r = await poll(lp(nodes[0]!, id));
    expect(r.blocks.map((x) => x.data)).toEqual(['after the cursor']);
  });

  it('POST and pushline.v1 sends are processed once across nodes, even when both nodes get the same seq at once', async () => {
    const [a, b] = await cluster();
    const got: MessageEvent[] = [];
    for (const n of [a!, b!]) n.hub.on('message', (m) => void got.push(m));
    const post = (n: HubServer, seq: number): Promise<Response> =>
      fetch(`${n.http}?sessionId=shared&seq=${seq}`, { method: 'POST', body: `m${seq}`, headers: { 'content-type': 'text/plain' } });
    expect((await post(a!, 1)).status).toBe(204);
    expect((await post(b!, 1)).status).toBe(204);
    // the same seq to both nodes concurrently, twenty times: the atomic claim lets one through
    for (let seq = 2; seq <= 21; seq++) expect((await Promise.all([post(a!, seq), post(b!, seq)])).map((r) => r.status)).toEqual([204, 204]);
    const ws = await openWs(`${b!.ws}?sessionId=shared`, ['pushline.v1']);
    for (const seq of [20, 21, 22]) ws.send({ type: 'message', seq, data: `m${seq}` });
    await waitFor(() => ws.frames.some((f) => (f as { seq?: number }).seq === 22));
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    ws.ws.close();
  });

  it('a send whose listener failed on one node is processed when it is retried on the other', async () => {
    const [a, b] = await cluster();
    a!.hub.on('message', () => {
      throw new Error('node A cannot store it');
    });
    const got: string[] = [];
    b!.hub.on('message', ({ data }) => void got.push(String(data)));
    const post = (n: HubServer): Promise<Response> => fetch(`${n.http}?sessionId=rel&seq=1`, { method: 'POST', body: 'once' });
    expect((await post(a!)).status).toBe(500);
    expect((await post(b!)).status).toBe(204);
    expect((await post(b!)).status).toBe(204);
    expect(got).toEqual(['once']);
  });

  it("a reliable session's origin is shared: it drops on one node before its first event and resumes on the other", async () => {
    const [a, b] = await cluster();
    const first = await poll(`${lp(a!)}&sessionId=roaming`);
    expect(first.blocks.map((x) => x.data)).toEqual([undefined]);
    await a!.hub.publish('x');
    await b!.hub.publish('y');
    // no cursor (the client never got one), on the other node: from the session's origin
    const again = await openWs(`${b!.ws}?sessionId=roaming`, ['pushline.v1']);
    await waitFor(() => again.frames.filter((f) => (f as { type?: string }).type === 'message').length === 2);
    expect(again.frames.filter((f) => (f as { type?: string }).type === 'message').map((f) => (f as { data: string }).data)).toEqual(['x', 'y']);
    again.ws.close();
  });

  it('dedupe state is a Redis key with the session TTL', async () => {
    const [a] = await cluster(1, { sessionTtlMs: 60000 });
    const key = `test-${process.pid}-${keyN}`;
    await fetch(`${a!.http}?sessionId=ttl&seq=1`, { method: 'POST', body: 'x' });
    const ttl = Number(await redis.command('PTTL', `${key}:session:ttl`));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60000);
  });

  it('while Redis is down: requests get 503 with Retry-After, publish rejects; after it is back everything works (with a reset: its history is gone)', async () => {
    const [a] = await cluster(1, { connectTimeoutMs: 500 });
    const errors: unknown[] = [];
    a!.hub.on('error', ({ error }) => void errors.push(error));
    const before = await a!.hub.publish('before');
    const s = await openSse(a!.http);
    await waitFor(() => s.blocks.some((x) => x.id));
    await redis.stop();
    const down = await fetch(`${a!.http}?transport=long-poll&lastEventId=${encodeURIComponent(before)}`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${a!.http}?sessionId=d&seq=1`, { method: 'POST', body: 'x' })).status).toBe(503);
    await expect(a!.hub.publish('lost')).rejects.toThrow();
    await redis.restart();
    // an in-memory Redis came back empty: the stream's identity is new, so live streams are
    // closed (their clients reconnect and get the reset) and old cursors reset
    await s.ended;
    const r = await until(async () => {
      const res = await fetch(lp(a!, before));
      return res.status === 200 ? res.text() : undefined;
    });
    expect(r).toContain('event: pushline.reset');
    const fresh = await until(() => a!.hub.publish('after').catch(() => undefined));
    expect(fresh).toMatch(/^[0-9a-z]{10}-\d+-\d+$/);
    expect(errors.length).toBeGreaterThan(0);
  });
});
