/**
 * Reliable mode (issue 12) against the real server kit on a real HTTP server:
 * exactly once in both directions on every transport across repeated crashes,
 * the reset signal, the subprotocol check, named and binary events, heartbeats.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource as NodeEventSource } from 'eventsource';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { createHub, memoryLog, type Hub } from '../../src/entries/server.js';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { once } from '../helpers/servers.js';

const WS = NodeWebSocket as unknown as typeof WebSocket;
const ES = NodeEventSource as unknown as typeof EventSource;
const fast = { initialDelayMs: 10, maxDelayMs: 50, minUptimeMs: 100000 } as const;

interface Live {
  hub: Hub;
  server: Server;
  port: number;
  url: string;
  /** Every send the app layer saw (after dedupe), as `data`. */
  received: string[];
  /** Destroys every TCP socket: what a crash looks like to both ends. */
  kill(): void;
  close(): Promise<void>;
}

async function live(port = 0, hubOptions: Parameters<typeof createHub>[0] = {}): Promise<Live> {
  const hub = createHub({ log: memoryLog(), retryMs: 10, keepAliveMs: 200, holdMs: 500, ...hubOptions });
  const received: string[] = [];
  hub.on('message', ({ data }) => void received.push(typeof data === 'string' ? data : `bytes:${Buffer.from(data).toString('hex')}`));
  const sockets = new Set<Socket>();
  const server = createServer();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  hub.attach(server, { path: '/live' });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  const actual = (server.address() as AddressInfo).port;
  return {
    hub,
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}/live`,
    received,
    kill: () => {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await hub.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let hubs: Live[] = [];
let clients: RealtimeClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  for (const h of hubs) await h.close().catch(() => {});
  hubs = [];
});
const start = async (port?: number, hubOptions?: Parameters<typeof createHub>[0]): Promise<Live> => {
  const h = await live(port, hubOptions);
  hubs.push(h);
  return h;
};
const client = (url: string, options: Options): RealtimeClient => {
  const c = new RealtimeClient(url, { reliable: true, WebSocket: WS, EventSource: ES, reconnect: fast, connectTimeoutMs: 2000, ...options });
  clients.push(c);
  return c;
};
const until = async (check: () => boolean, what: string, ms = 20000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const counts = (seen: number[], total: number) => {
  const unique = new Set(seen);
  return {
    lost: Array.from({ length: total }, (_, i) => i + 1).filter((n) => !unique.has(n)).length,
    duplicated: seen.length - unique.size,
    outOfOrder: seen.filter((n, i) => i > 0 && n <= seen[i - 1]!).length,
  };
};

const MODES = {
  websocket: { transports: ['websocket'], heartbeat: { intervalMs: 200 } },
  'native SSE': { transports: ['sse'] },
  'fetch SSE': { transports: ['sse'], eventSource: 'fetch' },
  'long-poll': { transports: ['long-poll'] },
} satisfies Record<string, Options>;

describe.each(Object.keys(MODES) as Array<keyof typeof MODES>)('reliable mode over %s', (mode) => {
  it('exactly once in both directions across repeated crashes', async () => {
    const EVENTS = 300;
    const SENDS = 100;
    const h = await start();
    const c = client(h.url, MODES[mode]);
    const seen: number[] = [];
    c.on('message', (e) => seen.push(Number(e.data)));
    await once(c, 'open');
    let published = 0;
    let sent = 0;
    let kills = 0;
    while (published < EVENTS || sent < SENDS) {
      for (let i = 0; i < 5 && published < EVENTS; i++) await h.hub.publish(String(++published));
      for (let i = 0; i < 2 && sent < SENDS; i++) c.send(String(++sent));
      if (published % 50 === 0 && kills < 6) {
        kills++;
        h.kill();
      }
      await sleep(2);
    }
    await until(() => seen.length >= EVENTS && h.received.length >= SENDS, `${EVENTS} events and ${SENDS} sends (have ${seen.length}, ${h.received.length})`);
    await c.flush();
    await sleep(100);
    const inbound = counts(seen, EVENTS);
    const outbound = counts(h.received.map(Number), SENDS);
    expect({ inbound, outbound, kills }).toEqual({
      inbound: { lost: 0, duplicated: 0, outOfOrder: 0 },
      outbound: { lost: 0, duplicated: 0, outOfOrder: 0 },
      kills: 6,
    });
    expect(c.bufferedAmount).toBe(0);
  });
});

describe('reliable mode specifics', () => {
  it('every connection carries sessionId and, once known, lastEventId, the WebSocket URL too', async () => {
    const h = await start();
    const urls: string[] = [];
    h.hub.on('connection', ({ req }) => void urls.push(req.url ?? ''));
    const c = client(h.url, { transports: ['websocket'], sessionId: 'fixed-session' });
    await once(c, 'open');
    const id = await h.hub.publish('x');
    await once(c, 'message');
    h.kill();
    await once(c, 'open');
    expect(urls).toHaveLength(2);
    expect(new URL(urls[0]!, 'http://x').searchParams.get('sessionId')).toBe('fixed-session');
    expect(new URL(urls[1]!, 'http://x').searchParams.get('lastEventId')).toBe(id);
    expect(c.protocol).toBe('pushline.v1');
  });

  it.each(['websocket', 'native SSE', 'fetch SSE', 'long-poll'] as const)('%s: a cursor the server cannot resume gets exactly one reset, then the stream', async (mode) => {
    const first = await start();
    const c = client(first.url, MODES[mode]);
    const resets: string[] = [];
    c.on('reset', (e) => resets.push(e.lastEventId));
    const got: string[] = [];
    c.on('message', (e) => got.push(String(e.data)));
    await once(c, 'open');
    await first.hub.publish('old');
    await until(() => got.length === 1, 'the first event');
    // the server restarts with a fresh memory log: the client's cursor is foreign now
    const port = first.port;
    await first.close();
    hubs = [];
    const second = await start(port);
    await until(() => resets.length === 1 && c.state === 'open', 'the reset');
    await second.hub.publish('new');
    await until(() => got.length === 2, 'the next event');
    expect(got).toEqual(['old', 'new']);
    expect(resets).toHaveLength(1);
  });

  it('a WebSocket server that does not select pushline.v1 fails the connection once, fatally, with a ProtocolError', async () => {
    const server = createServer();
    // a plain WebSocket server that selects no subprotocol (ws would otherwise pick the first one offered)
    const wss = new WebSocketServer({ server, handleProtocols: () => false });
    let connections = 0;
    wss.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      // even with a transport to fall back to: a server that speaks another protocol is a misconfiguration
      const c = client(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { transports: ['websocket', 'sse'] });
      const fallbacks: string[] = [];
      c.on('fallback', (e) => fallbacks.push(e.to));
      const error = once<Event & { error: Error }>(c, 'error');
      const closed = await once<Event & { willReconnect: boolean }>(c, 'close');
      expect((await error).error.name).toBe('ProtocolError');
      expect(closed.willReconnect).toBe(false);
      await sleep(200);
      expect(connections).toBe(1);
      expect(fallbacks).toEqual([]);
    } finally {
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('named events and binary payloads over pushline.v1; binary sends arrive as bytes; heartbeats are never delivered', async () => {
    const h = await start();
    const c = client(h.url, { transports: ['websocket'], binaryType: 'arraybuffer', heartbeat: { intervalMs: 50 } });
    const named: unknown[] = [];
    const messages: unknown[] = [];
    c.on('chat', (e) => named.push(e.data));
    c.on('message', (e) => messages.push(e.data));
    await once(c, 'open');
    await sleep(200); // a few heartbeats go by
    await h.hub.publish('hello', { event: 'chat' });
    await h.hub.publish(new Uint8Array([1, 2, 3]));
    c.send(new Uint8Array([9, 8]));
    c.send(new Blob(['blob']));
    await until(() => named.length === 1 && messages.length === 1 && h.received.length === 2, 'named, binary and sends');
    expect(named).toEqual(['hello']);
    expect(new Uint8Array(messages[0] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    expect(h.received).toEqual(['bytes:0908', `bytes:${Buffer.from('blob').toString('hex')}`]);
  });

  it('flush() resolves once the server acknowledged every send before it', async () => {
    const h = await start();
    const c = client(h.url, { transports: ['websocket'] });
    for (let i = 1; i <= 20; i++) c.send(String(i));
    expect(c.bufferedAmount).toBeGreaterThan(0);
    await c.flush();
    expect(h.received).toHaveLength(20);
    expect(c.bufferedAmount).toBe(0);
  });

  it('falls back from a WebSocket refused midway to SSE with nothing lost or repeated across the switch', async () => {
    const h = await start();
    const c = client(h.url, { transports: ['websocket', 'sse', 'long-poll'], eventSource: 'fetch' });
    const seen: number[] = [];
    c.on('message', (e) => seen.push(Number(e.data)));
    const fallbacks: string[] = [];
    c.on('fallback', (e) => fallbacks.push(`${e.from}>${e.to}`));
    await once(c, 'open');
    expect(c.transport).toBe('websocket');
    for (let n = 1; n <= 50; n++) await h.hub.publish(String(n));
    c.send('over websocket');
    await until(() => seen.length === 50, 'the first 50');
    // a proxy appears that refuses WebSocket upgrades; the socket dies
    h.server.prependListener('upgrade', (_req, socket: Socket) => socket.destroy());
    h.kill();
    for (let n = 51; n <= 100; n++) await h.hub.publish(String(n));
    c.send('over http');
    await until(() => seen.length >= 100 && h.received.length === 2, 'the rest over SSE');
    expect(c.transport).toBe('sse');
    expect(fallbacks).toEqual(['websocket>sse']);
    expect(counts(seen, 100)).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(h.received).toEqual(['over websocket', 'over http']);
  });
});
