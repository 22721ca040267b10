// Two demo servers on one REDIS_URL serve one chat: a message said on either
// reaches the clients of both, numbered by one counter, and a cursor from one
// resumes on the other. (The demo imports the built dist/server.mjs.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { openSse, poll, waitFor } from '../helpers/protocol.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
const demos: DemoServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const d of demos) await d.close();
  await redis?.stop();
});

const say = (demo: DemoServer, text: string): Promise<Response> =>
  fetch(`${demo.url}/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ type: 'says', name: 'Ann', text, cid: text }) });

it('two demo processes on one Redis: one chat, one numbering, resume across them', async () => {
  const options = { port: 0, redisUrl: redis.url, redisKey: `demo-${process.pid}`, tickMs: 60000 };
  const a = await startDemoServer(options);
  demos.push(a);
  const b = await startDemoServer(options);
  demos.push(b);
  const onB = await openSse(`${b.url}/events`);
  await waitFor(() => onB.blocks.some((x) => x.id));
  expect((await say(a, 'said on A')).status).toBe(204);
  const first = await waitFor(() => onB.events().find((e) => e.event === 'chat'));
  expect(JSON.parse(first.data!)).toMatchObject({ seq: 1, text: 'said on A' });
  onB.close();
  // said on B while nobody listens; a long-poll on A resumes from B's cursor and gets it
  expect((await say(b, 'said on B')).status).toBe(204);
  const resumed = await poll(`${a.url}/events?transport=long-poll&lastEventId=${encodeURIComponent(first.id!)}`);
  const chat = resumed.blocks.filter((x) => x.event === 'chat').map((x) => JSON.parse(x.data!) as { seq: number; text: string });
  expect(chat).toEqual([expect.objectContaining({ seq: 2, text: 'said on B' })]);
  // both processes' chat documents (worker-poll, backfill) hold both messages
  for (const d of [a, b]) await waitFor(() => d.chat.log.length === 2);
  expect(a.chat.log.map((m) => m.text)).toEqual(['said on A', 'said on B']);
  expect(b.chat.log.map((m) => m.text)).toEqual(['said on A', 'said on B']);
});
