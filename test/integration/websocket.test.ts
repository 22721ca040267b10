import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { nextConnection, once, startServer, type TestServer } from '../helpers/servers.js';

const fast = { initialDelayMs: 20, maxDelayMs: 100, jitter: 'none', minUptimeMs: 100000 } as const;
let server: TestServer;
let client: RealtimeClient | undefined;

function connect(options: Options = {}, url: Options extends never ? never : Parameters<typeof makeClient>[0] = server.ws): RealtimeClient {
  return makeClient(url, options);
}
function makeClient(url: ConstructorParameters<typeof RealtimeClient>[0], options: Options): RealtimeClient {
  client = new RealtimeClient(url, {
    WebSocket: NodeWebSocket as unknown as typeof WebSocket,
    transports: ['websocket'],
    reconnect: fast,
    ...options,
  });
  return client;
}

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
});

describe('WebSocket transport against a real ws server', () => {
  it('opens, receives messages and mirrors readyState', async () => {
    server = await startServer();
    server.wss.on('connection', (ws) => ws.send('hello'));
    const c = connect();
    expect(c.readyState).toBe(RealtimeClient.CONNECTING);
    const message = await once<MessageEvent>(c, 'message');
    expect(message.data).toBe('hello');
    expect(c.readyState).toBe(c.OPEN);
    expect(c.state).toBe('open');
    expect(c.transport).toBe('websocket');
  });

  it('reconnects after a server kill and restart, flushing queued sends in order', async () => {
    server = await startServer();
    const received: string[] = [];
    server.wss.on('connection', (ws) => ws.on('message', (data) => received.push(String(data))));
    const c = connect();
    await once(c, 'open');
    await server.stop();
    await once(c, 'reconnecting');
    expect(c.readyState).toBe(c.CONNECTING);
    for (let i = 0; i < 5; i++) expect(c.send(`m${i}`)).toBe(true);
    expect(c.bufferedAmount).toBe(10);
    await server.start();
    await once(c, 'open');
    await expect.poll(() => received).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(c.bufferedAmount).toBe(0);
  });

  it('stops reconnecting after a fatal close code', async () => {
    server = await startServer();
    server.wss.on('connection', (ws) => ws.close(1008, 'policy'));
    const c = connect();
    const close = await once<Event & { code: number; willReconnect: boolean }>(c, 'close');
    expect(close.code).toBe(1008);
    expect(close.willReconnect).toBe(false);
    expect(c.readyState).toBe(c.CLOSED);
    expect(() => c.send('x')).toThrowError(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  it('gives up after maxAttempts with willReconnect false', async () => {
    server = await startServer();
    await server.stop();
    const closes: boolean[] = [];
    const c = connect({ reconnect: { ...fast, maxAttempts: 2 } });
    c.on('close', (e) => closes.push(e.willReconnect));
    await once(c, 'close', (e: Event & { willReconnect: boolean }) => !e.willReconnect);
    expect(closes).toEqual([true, true, false]);
    expect(c.attempt).toBe(2);
    expect(c.readyState).toBe(c.CLOSED);
  });

  it('calls the URL function before every attempt with an increasing attempt', async () => {
    server = await startServer();
    await server.stop();
    const seen: number[] = [];
    makeClient(({ attempt, transport }) => {
      seen.push(attempt);
      expect(transport).toBe('websocket');
      if (attempt === 3) void server.start();
      return `${server.ws}/?attempt=${attempt}`;
    }, {});
    const ws = await nextConnection(server.wss);
    expect(ws).toBeDefined();
    await once(client!, 'open');
    expect(seen).toEqual([0, 1, 2, 3].slice(0, seen.length));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(client!.url).toContain(`attempt=${seen.at(-1)}`);
  });

  it('detects a server that stops answering without closing (heartbeat)', async () => {
    server = await startServer();
    let answer = true;
    server.wss.on('connection', (ws) => ws.on('message', (m) => answer && String(m) === 'ping' && ws.send('pong')));
    const c = connect({ heartbeat: { intervalMs: 50, timeoutMs: 100 } });
    await once(c, 'open');
    answer = false; // half-open: the TCP connection stays, nothing comes back
    const error = await once<Event & { error: Error }>(c, 'error');
    expect(error.error.name).toBe('HeartbeatTimeoutError');
    const close = await once<Event & { code: number; willReconnect: boolean }>(c, 'close');
    expect(close).toMatchObject({ code: 1006, willReconnect: true });
    answer = true;
    await once(c, 'open');
  });
});
