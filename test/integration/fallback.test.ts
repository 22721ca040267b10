import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { once, type TestServer } from '../helpers/servers.js';
import { MODES, fast, hubServer } from '../helpers/http-transports.js';

type Fallback = Event & { from: string; to: string; reason: string };
type Connecting = Event & { transport: string; attempt: number };

let server: TestServer | undefined;
let client: RealtimeClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

/** Makes the server refuse every WebSocket handshake with a 503, as a proxy without WebSocket support does. */
function refuseWebSocket(s: TestServer): void {
  s.server.removeAllListeners('upgrade');
  s.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n'));
}

function connect(url: string, options: Options = {}): { c: RealtimeClient; fallbacks: Fallback[]; connecting: Connecting[] } {
  const c = (client = new RealtimeClient(url, {
    WebSocket: NodeWebSocket as unknown as typeof WebSocket,
    EventSource: MODES['native SSE'].EventSource,
    transports: ['websocket', 'sse', 'long-poll'],
    reconnect: fast,
    ...options,
  }));
  const fallbacks: Fallback[] = [];
  const connecting: Connecting[] = [];
  c.on('fallback', (e) => fallbacks.push(e as Fallback));
  c.on('connecting', (e) => connecting.push(e as Connecting));
  return { c, fallbacks, connecting };
}

describe('transport fallback', () => {
  it.each(['native', 'fetch'] as const)('falls back from a refused WebSocket to SSE (%s), and reconnects over SSE', async (eventSource) => {
    // a short retry: so native EventSource's own reconnections (the first after each drop) are quick
    const h = await hubServer({ retryMs: 10 });
    server = h.server;
    refuseWebSocket(h.server);
    const { c, fallbacks, connecting } = connect(h.url, { eventSource });
    const open = await once<Event & { transport: string }>(c, 'open');
    expect(open.transport).toBe('sse');
    expect(c.transport).toBe('sse');
    expect(fallbacks.map((f) => [f.from, f.to])).toEqual([['websocket', 'sse']]);
    const m = once<MessageEvent>(c, 'message');
    h.hub.publish('message', 'over sse');
    expect((await m).data).toBe('over sse');
    // the transport that worked is tried first from now on, over several drops
    for (let i = 0; i < 3; i++) {
      h.server.kill();
      await once(c, 'open');
    }
    // native EventSource reconnects by itself after a drop (no new attempt of the client's); fetch mode is the client's own
    expect(connecting.map((e) => e.transport)).toEqual(eventSource === 'native' ? ['websocket', 'sse'] : ['websocket', 'sse', 'sse', 'sse', 'sse']);
    expect(fallbacks).toHaveLength(1);
    const again = once<MessageEvent>(c, 'message');
    h.hub.publish('message', 'still sse');
    expect((await again).data).toBe('still sse');
  });

  it('falls back twice, to long-poll, when SSE is refused too; then keeps long-poll', async () => {
    const h = await hubServer({}, (req, res) => {
      if (req.method !== 'GET' || req.url?.includes('transport=long-poll')) return false;
      res.writeHead(404).end();
      return true;
    });
    server = h.server;
    refuseWebSocket(h.server);
    const { c, fallbacks, connecting } = connect(h.url, { eventSource: 'fetch' });
    await once(c, 'open');
    expect(c.transport).toBe('long-poll');
    expect(fallbacks.map((f) => [f.from, f.to, f.reason])).toEqual([
      ['websocket', 'sse', expect.any(String)],
      ['sse', 'long-poll', 'HTTP 404'],
    ]);
    const m = once<MessageEvent>(c, 'message');
    h.hub.publish('message', 'over long-poll');
    expect((await m).data).toBe('over long-poll');
    h.server.kill();
    await once(c, 'open');
    expect(connecting.map((e) => e.transport)).toEqual(['websocket', 'sse', 'long-poll', 'long-poll']);
  });

  it('uses WebSocket when it works: no fallback', async () => {
    const h = await hubServer();
    server = h.server;
    const { c, fallbacks } = connect(h.url);
    const open = await once<Event & { transport: string }>(c, 'open');
    expect(open.transport).toBe('websocket');
    expect(fallbacks).toEqual([]);
  });
});
