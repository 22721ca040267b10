// Protocol-level clients for server tests: SSE read with fetch, long-poll, and
// WebSocket frames collected as they arrive. No pushline client code: these
// speak the wire formats directly, so a test of the hub does not depend on the
// client being right.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createHub, type AttachOptions, type Hub, type HubOptions } from '../../src/entries/server.js';

/** One SSE block as the WHATWG algorithm sees it; `data` is undefined for a block without data lines (id-only). */
export interface SseBlock {
  id: string | undefined;
  event: string;
  data: string | undefined;
  retry: number | undefined;
}

/** An incremental event-stream parser: feed text, get complete blocks. Comments are counted. */
export function sseParser(): { feed(text: string): SseBlock[]; comments: number } {
  let buffer = '';
  const state = { comments: 0 };
  return {
    get comments() {
      return state.comments;
    },
    feed(text) {
      buffer += text;
      const out: SseBlock[] = [];
      let end: number;
      while ((end = buffer.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n\r\n', end) ? 4 : 2));
        const block: SseBlock = { id: undefined, event: 'message', data: undefined, retry: undefined };
        let any = false;
        for (const line of raw.split(/\r\n|\r|\n/)) {
          if (line.startsWith(':')) {
            state.comments++;
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          any = true;
          if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
          else if (field === 'id') block.id = value;
          else if (field === 'event') block.event = value;
          else if (field === 'retry' && /^\d+$/.test(value)) block.retry = Number(value);
        }
        if (any) out.push(block);
      }
      return out;
    },
  };
}

/** Polls `check` until it returns something truthy (no wall-clock assertion: the test timeout bounds it). */
export async function waitFor<T>(check: () => T | undefined | false | null, stepMs = 5): Promise<T> {
  for (;;) {
    const value = check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/**
 * Waits until `check` holds or `limitMs` passed, whichever is first, and says
 * which. For convergence waits whose content is asserted next: a broken system
 * then fails on what it got (lost, duplicated...) rather than on a timeout.
 */
export async function settle(check: () => boolean, limitMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return true;
}

/** `waitFor` for an async check. */
export async function until<T>(check: () => Promise<T | undefined | false | null>, stepMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** An SSE stream read with fetch, blocks collected as they arrive. */
export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  readonly blocks: SseBlock[];
  /** Events (blocks with data). */
  readonly events: () => SseBlock[];
  readonly comments: () => number;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const blocks: SseBlock[] = [];
  const parser = sseParser();
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) blocks.push(...parser.feed(decoder.decode(r.value, { stream: true })));
    } catch {
      // aborted or cut
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    blocks,
    events: () => blocks.filter((b) => b.data !== undefined),
    comments: () => parser.comments,
    ended,
    close: () => abort.abort(),
  };
}

/** One long-poll: status, headers and the parsed body. */
export async function poll(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; blocks: SseBlock[] }> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, blocks: sseParser().feed(text) };
}

/** A WebSocket whose frames are collected (text frames parsed as JSON when they are JSON). */
export interface Frames {
  readonly ws: WebSocket;
  readonly frames: unknown[];
  readonly raw: (string | Buffer)[];
  readonly closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
}

export async function openWs(url: string, protocols: string[] = [], origin?: string): Promise<Frames> {
  const ws = new WebSocket(url, protocols, origin ? { origin } : {});
  const frames: unknown[] = [];
  const raw: (string | Buffer)[] = [];
  ws.on('message', (data, isBinary) => {
    const value = isBinary ? (data as Buffer) : String(data);
    raw.push(value);
    if (typeof value === 'string') {
      try {
        frames.push(JSON.parse(value));
      } catch {
        frames.push(value);
      }
    } else frames.push(value);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {});
  await once(ws, 'open');
  return { ws, frames, raw, closed, send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)) };
}

/** Tries a WebSocket handshake; resolves 'open' (then closes) or the refusal's HTTP status. */
export function handshake(url: string, protocols: string[] = [], origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
    ws.on('open', () => {
      resolve('open');
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}

/** A hub attached to a fresh `node:http` server on 127.0.0.1. */
export interface HubServer {
  readonly hub: Hub;
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port><path>` */
  readonly http: string;
  /** `ws://127.0.0.1:<port><path>` */
  readonly ws: string;
  close(): Promise<void>;
}

export async function startHub(hubOptions: HubOptions = {}, attach: AttachOptions = {}, path = '/live'): Promise<HubServer> {
  const hub = createHub(hubOptions);
  const server = createServer((_req, res) => res.writeHead(404).end());
  hub.attach(server, { path, ...attach });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    hub,
    server,
    port,
    http: `http://127.0.0.1:${port}${path}`,
    ws: `ws://127.0.0.1:${port}${path}`,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
