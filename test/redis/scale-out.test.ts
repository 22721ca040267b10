// Scale-out on Redis Streams: two hub processes (the built package) on one
// stream behind a round-robin proxy that cuts connections at random; reliable
// protocol-level clients on WebSocket (pushline.v1), SSE and long-poll. 1,000
// events published alternately on both nodes, 300 sends from the clients, and
// one node SIGKILLed and restarted midway. Required: every client gets every
// event once and in order, and the union of both nodes' `message` handlers sees
// every send exactly once.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HubProcess, type Handled } from '../helpers/hub-process.js';
import { freePort } from '../helpers/system.js';
import { settle } from '../helpers/protocol.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { audit, sendRoundRobin, startClients, startProxy, type ChaosProxy, type ReliableClient } from '../helpers/scale.js';

const EVENTS = 1000;
const SENDS = 300;
const FIXTURE = fileURLToPath(new URL('./fixtures/hub.mjs', import.meta.url));

let redis: RedisServer;
let proxy: ChaosProxy;
let nodes: HubProcess[] = [];
let clients: ReliableClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.stop();
  await proxy?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis?.stop();
});

it('two hub processes on one stream, a connection-killing proxy, one node SIGKILLed and restarted: 0 lost, 0 duplicated, each send handled once', async () => {
  const handled: Handled[] = [];
  const env = { LOG: 'redis', REDIS_URL: redis.url, KEY: `scale-${process.pid}` };
  nodes = [new HubProcess('A', [await freePort()], FIXTURE, env, handled), new HubProcess('B', [await freePort()], FIXTURE, env, handled)];
  await Promise.all(nodes.map((n) => n.start()));
  const [a, b] = nodes as [HubProcess, HubProcess];
  proxy = await startProxy(nodes.map((n) => n.ports[0]!));
  const base = `http://127.0.0.1:${proxy.port}/live`;
  clients = await startClients(base);
  proxy.chaos(true);

  const expected = Array.from({ length: EVENTS }, (_, i) => `ev:${i}`);
  let restarted: Promise<void> | undefined;
  const publishing = (async () => {
    for (let i = 0; i < EVENTS; i++) {
      if (i === EVENTS / 2) {
        // midway: B dies without a word, with clients connected and sends in flight, then comes back
        await b.kill();
        restarted = new Promise((resolve) => setTimeout(resolve, 700)).then(() => b.start());
      }
      // alternately on both nodes; while B is down, on A
      const node = i % 2 === 1 && b.up ? b : a;
      await node.publish(expected[i]!);
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  })();
  const sending = sendRoundRobin(clients, SENDS, 12);
  const [, sent] = await Promise.all([publishing, sending]);
  await restarted;
  expect(b.up).toBe(true);
  proxy.chaos(false);
  // bounded, so that a broken hub fails below on what the clients got, not on the test timeout
  await settle(() => clients.every((c) => c.received.length >= EVENTS && c.pending === 0), 30000);

  for (const c of clients) {
    expect(c.pending, `${c.name}: sends never acknowledged`).toBe(0);
    expect({ client: c.name, ...audit(c.received, expected), resets: c.resets }).toEqual({ client: c.name, lost: 0, duplicated: 0, reordered: 0, resets: 0 });
  }
  const union = handled.map((h) => `${h.sessionId}/${h.seq}/${h.data}`);
  expect([...union].sort()).toEqual([...sent].sort());
  // both nodes took sends, and the proxy did cut connections throughout
  expect(new Set(handled.map((h) => h.node))).toEqual(new Set(['A', 'B']));
  expect(proxy.kills).toBeGreaterThan(10);
});
