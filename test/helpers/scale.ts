// The scale-out scenario's parts: a round-robin TCP proxy on loopback that also
// kills connections at random, and reliable clients written against the wire
// protocol as a pushline client in reliable mode behaves: resume with
// lastEventId, resend the unacknowledged sends in order after a reconnect
// (pushline.v1 frames, or one POST at a time with sessionId and seq).
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { sseParser, waitFor, type SseBlock } from './protocol.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = (min: number, max: number): number => min + Math.random() * (max - min);

/** A TCP proxy: each new connection goes to the next upstream port, round robin. */
export interface ChaosProxy {
  readonly port: number;
  /** Connections cut so far. */
  readonly kills: number;
  /** Starts cutting: every `minMs`-`maxMs`, each live connection with probability `share`. */
  chaos(on: boolean, options?: { minMs?: number; maxMs?: number; share?: number }): void;
  close(): Promise<void>;
}

export async function startProxy(upstreams: readonly number[]): Promise<ChaosProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let next = 0;
  let kills = 0;
  let timer: NodeJS.Timeout | undefined;
  const server: Server = createServer((client) => {
    const port = upstreams[next++ % upstreams.length]!;
    const upstream = connect(port, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get kills() {
      return kills;
    },
    chaos(on, { minMs = 40, maxMs = 200, share = 0.3 } = {}) {
      clearTimeout(timer);
      if (!on) return;
      const tick = (): void => {
        for (const pair of [...pairs]) {
          if (Math.random() >= share) continue;
          kills++;
          // no goodbye on either side, as when a load balancer or a NAT drops the flow
          pair[0].resetAndDestroy();
          pair[1].resetAndDestroy();
        }
        timer = setTimeout(tick, jitter(minMs, maxMs));
      };
      timer = setTimeout(tick, jitter(minMs, maxMs));
    },
    async close() {
      clearTimeout(timer);
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What every reliable client keeps: its session, the unacknowledged sends, the cursor, what it got. */
export abstract class ReliableClient {
  readonly sessionId = randomUUID();
  /** Event data in arrival order. */
  readonly received: string[] = [];
  resets = 0;
  connections = 0;
  protected seq = 0;
  protected unacked: { seq: number; data: string }[] = [];
  protected cursor: string | undefined;
  protected stopped = false;

  constructor(
    readonly name: string,
    protected readonly base: string,
  ) {}

  /** Sends still waiting for their acknowledgement. */
  get pending(): number {
    return this.unacked.length;
  }

  /** Takes the head as cursor (the id-only answer of a cursor-less long-poll), then starts. */
  async start(): Promise<void> {
    while (this.cursor === undefined) {
      try {
        const res = await fetch(`${this.base}?transport=long-poll`);
        const blocks = sseParser().feed(await res.text());
        this.cursor = blocks.find((b) => b.id)?.id;
      } catch {
        await sleep(jitter(5, 30));
      }
    }
    this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  send(data: string): void {
    this.unacked.push({ seq: ++this.seq, data });
    this.flush();
  }

  protected abstract run(): void;
  protected abstract flush(): void;

  protected onBlock(block: SseBlock): void {
    if (block.event === 'pushline.reset') this.resets++;
    else if (block.data !== undefined) this.received.push(block.data);
    if (block.id) this.cursor = block.id;
  }

  protected url(extra: string): string {
    return `${this.base}?sessionId=${this.sessionId}${this.cursor ? `&lastEventId=${encodeURIComponent(this.cursor)}` : ''}${extra}`;
  }
}

/** pushline.v1 over WebSocket. */
export class WsClient extends ReliableClient {
  private ws: WebSocket | undefined;

  protected run(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url('').replace(/^http/, 'ws'), ['pushline.v1']);
    ws.on('open', () => {
      this.connections++;
      this.ws = ws;
      // unacknowledged sends go first, in order, before any new one
      for (const m of this.unacked) ws.send(JSON.stringify({ type: 'message', seq: m.seq, data: m.data }));
    });
    ws.on('message', (raw) => {
      const f = JSON.parse(String(raw)) as { type: string; id?: string; data?: string; seq?: number };
      if (f.type === 'message') this.onBlock({ id: f.id, event: 'message', data: f.data, retry: undefined });
      else if (f.type === 'reset') this.resets++;
      else if (f.type === 'ack') this.unacked = this.unacked.filter((m) => m.seq > f.seq!);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws === ws) this.ws = undefined;
      setTimeout(() => this.run(), jitter(5, 40));
    });
  }

  protected flush(): void {
    const m = this.unacked[this.unacked.length - 1];
    if (m && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'message', seq: m.seq, data: m.data }));
  }

  override stop(): void {
    super.stop();
    this.ws?.close();
  }
}

/** The HTTP side: sends POSTed one at a time, each retried until it gets a 2xx. */
abstract class HttpClient extends ReliableClient {
  private posting = false;
  protected abort = new AbortController();

  protected flush(): void {
    if (this.posting) return;
    this.posting = true;
    void (async () => {
      while (this.unacked.length && !this.stopped) {
        const m = this.unacked[0]!;
        try {
          const res = await fetch(`${this.base}?sessionId=${this.sessionId}&seq=${m.seq}`, {
            method: 'POST',
            body: m.data,
            headers: { 'content-type': 'text/plain;charset=UTF-8' },
          });
          await res.arrayBuffer();
          if (res.ok) {
            this.unacked.shift();
            continue;
          }
        } catch {
          // cut on the way: the same seq goes again
        }
        await sleep(jitter(5, 40));
      }
      this.posting = false;
    })();
  }

  override stop(): void {
    super.stop();
    this.abort.abort();
  }
}

/** SSE read with fetch, resumed with lastEventId. */
export class SseClient extends HttpClient {
  protected run(): void {
    void (async () => {
      while (!this.stopped) {
        try {
          const res = await fetch(this.url(''), { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
          if (res.status === 200 && res.body) {
            this.connections++;
            // a fresh parser per response: an event cut in half is dropped, and comes again
            const parser = sseParser();
            const decoder = new TextDecoder();
            const reader = res.body.getReader();
            for (let r = await reader.read(); !r.done; r = await reader.read()) {
              for (const block of parser.feed(decoder.decode(r.value, { stream: true }))) this.onBlock(block);
            }
          } else await res.arrayBuffer();
        } catch {
          // cut: reconnect from the cursor
        }
        await sleep(jitter(5, 40));
      }
    })();
  }
}

/** Long-poll, one request at a time from the cursor. */
export class LongPollClient extends HttpClient {
  protected run(): void {
    void (async () => {
      while (!this.stopped) {
        try {
          const res = await fetch(this.url('&transport=long-poll'), { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
          const text = await res.text();
          if (res.status === 200 || res.status === 204) {
            this.connections++;
            for (const block of sseParser().feed(text)) this.onBlock(block);
            continue;
          }
        } catch {
          // cut: poll again from the cursor
        }
        await sleep(jitter(5, 40));
      }
    })();
  }
}

/** Lost, duplicated and out-of-order counts of `received` against `expected`. */
export function audit(received: readonly string[], expected: readonly string[]): { lost: number; duplicated: number; reordered: number } {
  const want = new Map(expected.map((e, i) => [e, i]));
  const seen = new Set<string>();
  let duplicated = 0;
  let reordered = 0;
  let last = -1;
  for (const r of received) {
    if (seen.has(r)) duplicated++;
    seen.add(r);
    const i = want.get(r) ?? -1;
    if (i < last) reordered++;
    last = Math.max(last, i);
  }
  return { lost: expected.filter((e) => !seen.has(e)).length, duplicated, reordered };
}

/** Two reliable clients per transport (WebSocket, SSE, long-poll) on `base`, each connected once. */
export async function startClients(base: string): Promise<ReliableClient[]> {
  const clients = [new WsClient('ws-1', base), new WsClient('ws-2', base), new SseClient('sse-1', base), new SseClient('sse-2', base), new LongPollClient('lp-1', base), new LongPollClient('lp-2', base)];
  await Promise.all(clients.map((c) => c.start()));
  await waitFor(() => clients.every((c) => c.connections > 0));
  return clients;
}

/**
 * `count` sends, round robin over `clients`, one every `everyMs`. Resolves with
 * what the servers' `message` handlers must see between them, each exactly once:
 * `sessionId/seq/data`.
 */
export async function sendRoundRobin(clients: readonly ReliableClient[], count: number, everyMs: number): Promise<string[]> {
  const sent: string[] = [];
  for (let k = 0; k < count; k++) {
    const c = clients[k % clients.length]!;
    const data = `${c.name}:${k}`;
    c.send(data);
    sent.push(`${c.sessionId}/${Math.floor(k / clients.length) + 1}/${data}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return sent;
}
