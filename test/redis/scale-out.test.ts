// Scale-out on Redis Streams: two hub processes (the built package) on one
// stream behind a round-robin proxy that cuts connections at random; reliable
// protocol-level clients on WebSocket (pushline.v1), SSE and long-poll. 1,000
// events published alternately on both nodes, 300 sends from the clients, and
// one node SIGKILLed and restarted midway. Required: every client gets every
// event once and in order, and the union of both nodes' `message` handlers sees
// every send exactly once.
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { settle, waitFor } from '../helpers/protocol.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { audit, LongPollClient, SseClient, startProxy, WsClient, type ChaosProxy, type ReliableClient } from '../helpers/scale.js';

const EVENTS = 1000;
const SENDS = 300;
const FIXTURE = fileURLToPath(new URL('./fixtures/hub-node.mjs', import.meta.url));

interface Handled {
  node: string;
  sessionId: string;
  seq: number;
  data: string;
}

/** One hub process; survives being killed and started again on the same port. */
class HubNode {
  child: ChildProcess | undefined;
  up = false;
  stderr = '';
  private pending = new Map<number, { resolve: (id: string) => void; reject: (e: Error) => void }>();

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly handled: Handled[],
  ) {}

  async start(): Promise<void> {
    const child = fork(FIXTURE, [], { env: { ...process.env, ...this.env, NODE_NAME: this.name, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    child.stderr!.on('data', (d) => (this.stderr += String(d)));
    child.on('message', (m: { n: number; id?: string; error?: string }) => {
      const p = this.pending.get(m.n);
      this.pending.delete(m.n);
      if (m.id) p?.resolve(m.id);
      else p?.reject(new Error(`${this.name}: publish ${m.n} failed: ${m.error}`));
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${code ?? signal}) before ready: ${this.stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as { type: string } & Handled;
        if (m.type === 'ready') resolve();
        else if (m.type === 'message') this.handled.push({ node: m.node, sessionId: m.sessionId, seq: m.seq, data: m.data });
      });
    });
    await ready;
    this.up = true;
  }

  publish(n: number, data: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.set(n, { resolve, reject });
      this.child!.send({ n, data });
    });
  }

  /** SIGKILL: no cleanup of any kind, in-flight connections die with it. */
  async kill(): Promise<void> {
    this.up = false;
    const child = this.child!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.kill();
  }
}

let redis: RedisServer;
let proxy: ChaosProxy;
let nodes: HubNode[] = [];
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

const freePort = async (): Promise<number> => {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
};

it('two hub processes on one stream, a connection-killing proxy, one node SIGKILLed and restarted: 0 lost, 0 duplicated, each send handled once', async () => {
  const handled: Handled[] = [];
  const env = { REDIS_URL: redis.url, KEY: `scale-${process.pid}` };
  nodes = [new HubNode('A', await freePort(), env, handled), new HubNode('B', await freePort(), env, handled)];
  await Promise.all(nodes.map((n) => n.start()));
  const [a, b] = nodes as [HubNode, HubNode];
  proxy = await startProxy(nodes.map((n) => n.port));
  const base = `http://127.0.0.1:${proxy.port}/live`;
  clients = [new WsClient('ws-1', base), new WsClient('ws-2', base), new SseClient('sse-1', base), new SseClient('sse-2', base), new LongPollClient('lp-1', base), new LongPollClient('lp-2', base)];
  await Promise.all(clients.map((c) => c.start()));
  await waitFor(() => clients.every((c) => c.connections > 0));
  proxy.chaos(true);

  const expected = Array.from({ length: EVENTS }, (_, i) => `ev:${i}`);
  const sent: string[] = [];
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
      await node.publish(i, expected[i]!);
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  })();
  const sending = (async () => {
    for (let k = 0; k < SENDS; k++) {
      const c = clients[k % clients.length]!;
      const data = `${c.name}:${k}`;
      c.send(data);
      sent.push(`${c.sessionId}/${Math.floor(k / clients.length) + 1}/${data}`);
      await new Promise((resolve) => setTimeout(resolve, 12));
    }
  })();
  await Promise.all([publishing, sending]);
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
