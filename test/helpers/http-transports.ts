import { expect } from 'vitest';
import { EventSource as NodeEventSource } from 'eventsource';
import { createEventHub, type EventHub, type EventHubOptions } from '../../demo/server/events.mjs';
import { RealtimeClient, type Options } from '../../src/entries/index.js';
import { once, startServer, type Handler, type TestServer } from './servers.js';

/** Small delays so reconnects are quick; minUptimeMs high so attempts keep counting. */
export const fast = { initialDelayMs: 10, maxDelayMs: 50, minUptimeMs: 100000 } as const;

/** The three ways to receive over HTTP, as client options (Node's fetch; the `eventsource` package as EventSource). */
export const MODES = {
  'native SSE': { transports: ['sse'], EventSource: NodeEventSource as unknown as typeof EventSource },
  'fetch SSE': { transports: ['sse'], eventSource: 'fetch' },
  'long-poll': { transports: ['long-poll'] },
} satisfies Record<string, Options>;

export type Mode = keyof typeof MODES;

/** A hub on a real server at `/events`; `before` may answer a request itself (return true) to inject failures. */
export async function hubServer(
  hubOptions: EventHubOptions = {},
  before: (...args: Parameters<Handler>) => boolean = () => false,
): Promise<{ server: TestServer; hub: EventHub; url: string }> {
  const hub = createEventHub(hubOptions);
  const server = await startServer((req, res) => before(req, res) || hub.handle(req, res) || void res.writeHead(404).end());
  return { server, hub, url: `${server.http}/events` };
}

/** What `close` events carry. */
export type CloseEvent = Event & { code: number; reason: string; wasClean: boolean; willReconnect: boolean };
/** What `reconnecting` events carry. */
export type ReconnectingEvent = Event & { attempt: number; delayMs: number; reason: string };
/** What `error` events carry. */
export type ErrorEvent = Event & { error: Error & { type: string; status?: number } };

export interface ResumeReport {
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  kills: number;
}

/**
 * Streams `total` sequence-numbered events while killing every server socket
 * (no goodbye, as in a crash) after every `every` deliveries, `kills` times,
 * and counts what the client lost, got twice or got out of order.
 */
export async function resumeUnderKills(
  mode: Options,
  { total = 300, every = 20, kills = 8 } = {},
): Promise<ResumeReport> {
  const { server, hub, url } = await hubServer({ holdMs: 2000 });
  const client = new RealtimeClient(url, { reconnect: fast, ...mode });
  const seen: number[] = [];
  let killed = 0;
  try {
    const last = new Promise<void>((resolve) =>
      client.on('message', (e) => {
        const n = Number(e.data);
        seen.push(n);
        if (seen.length % every === 0 && killed < kills) {
          killed++;
          server.kill();
        }
        if (n === total) resolve();
      }),
    );
    await once(client, 'open');
    // OPEN does not promise the server holds a request yet (long-poll opens after a settle
    // time, and a poll without a cursor only hands one over): produce once it does
    await expect.poll(() => hub.connections).toBe(1);
    // a steady producer, a few events per tick, so kills land mid-stream and mid-poll
    let published = 0;
    const producer = setInterval(() => {
      for (let i = 0; i < 3 && published < total; i++) hub.publish('message', ++published);
    }, 1);
    await last;
    clearInterval(producer);
  } finally {
    client.close();
    hub.close();
    await server.close();
  }
  const unique = new Set(seen);
  let outOfOrder = 0;
  for (let i = 1; i < seen.length; i++) if (seen[i]! <= seen[i - 1]!) outOfOrder++;
  return {
    received: seen.length,
    lost: [...Array(total).keys()].filter((i) => !unique.has(i + 1)).length,
    duplicated: seen.length - unique.size,
    outOfOrder,
    kills: killed,
  };
}

/**
 * A server answering every request with 401: the client must report an
 * HttpStatusError, close with willReconnect false and stop after one request.
 * Returns the server so the caller's cleanup closes it.
 */
export async function expectFatal401(connect: (url: string) => RealtimeClient): Promise<TestServer> {
  let requests = 0;
  const server = await startServer((_req, res) => {
    requests++;
    res.writeHead(401).end();
  });
  const c = connect(`${server.http}/events`);
  const error = once<ErrorEvent>(c, 'error');
  const close = await once<CloseEvent>(c, 'close');
  expect(close.willReconnect).toBe(false);
  expect((await error).error).toMatchObject({ name: 'HttpStatusError', status: 401 });
  expect(c.readyState).toBe(c.CLOSED);
  expect(requests).toBe(1);
  return server;
}
