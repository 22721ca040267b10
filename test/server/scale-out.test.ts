// The scale-out scenario on memoryLog, in one process: one hub attached to two
// HTTP servers behind a round-robin proxy that cuts connections at random.
// Reliable protocol-level clients on each transport publish-and-receive; the
// Redis variant (test/redis/scale-out.test.ts) does the same across processes.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { createHub, type Hub } from '../../src/entries/server.js';
import { settle } from '../helpers/protocol.js';
import { audit, sendRoundRobin, startClients, startProxy, type ChaosProxy, type ReliableClient } from '../helpers/scale.js';

const EVENTS = 1000;
const SENDS = 300;

let hub: Hub;
const servers: Server[] = [];
let proxy: ChaosProxy;
let clients: ReliableClient[] = [];

afterAll(async () => {
  for (const c of clients) c.stop();
  await proxy?.close();
  await hub?.close();
  for (const s of servers) (s.closeAllConnections(), s.close());
});

it('1,000 events and 300 sends through a connection-killing proxy: 0 lost, 0 duplicated, each send handled once', { timeout: 90000 }, async () => {
  hub = createHub({ holdMs: 1000, keepAliveMs: 1000 });
  const handled = new Map<string, number>();
  hub.on('message', ({ sessionId, seq, data }) => void handled.set(`${sessionId}/${seq}/${String(data)}`, (handled.get(`${sessionId}/${seq}/${String(data)}`) ?? 0) + 1));
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const server = createServer();
    hub.attach(server, { path: '/live' });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  proxy = await startProxy(ports);
  const base = `http://127.0.0.1:${proxy.port}/live`;
  clients = await startClients(base);
  proxy.chaos(true);

  const expected = Array.from({ length: EVENTS }, (_, i) => `ev:${i}`);
  const publishing = (async () => {
    for (const data of expected) {
      await hub.publish(data);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  })();
  const sending = sendRoundRobin(clients, SENDS, 8);
  const [, sent] = await Promise.all([publishing, sending]);
  proxy.chaos(false);
  // bounded, so that a broken hub fails below on what the clients got, not on the test timeout
  await settle(() => clients.every((c) => c.received.length >= EVENTS && c.pending === 0), 30000);

  for (const c of clients) {
    expect(c.pending, `${c.name}: sends never acknowledged`).toBe(0);
    expect({ client: c.name, ...audit(c.received, expected), resets: c.resets }).toEqual({ client: c.name, lost: 0, duplicated: 0, reordered: 0, resets: 0 });
  }
  expect([...handled.keys()].sort()).toEqual([...sent].sort());
  expect([...handled.values()].every((n) => n === 1)).toBe(true);
  // the proxy did cut connections while all this went on
  expect(proxy.kills).toBeGreaterThan(10);
});
