import type { IncomingMessage, ServerResponse } from 'node:http';

/** One event of the hub's log; ids are consecutive integers from 1. */
export interface LoggedEvent {
  id: number;
  type: string;
  data: string;
}

/** One `send()` the hub received over HTTP. */
export interface ReceivedMessage {
  /** Text for `text/*` bodies, bytes otherwise. */
  data: string | Buffer;
  contentType: string;
}

export interface EventHubOptions {
  /** The URL path served; `handle` returns false for others. @default '/events' */
  path?: string;
  /** Sent as `retry:` at the start of every SSE stream. */
  retryMs?: number;
  /** How long a long-poll is held before a 204. @default 25000 */
  holdMs?: number;
  /** SSE keep-alive comment interval. @default 15000 */
  keepAliveMs?: number;
  /** Events kept for resuming. @default 10000 */
  maxEvents?: number;
  /** Called for every POSTed send. */
  onMessage?: (message: ReceivedMessage, req: IncomingMessage) => void;
}

export interface EventHub {
  /** POSTed sends, in arrival order. */
  readonly received: ReceivedMessage[];
  /** The retained event log. */
  readonly log: readonly LoggedEvent[];
  /** Open SSE streams plus held polls. */
  readonly connections: number;
  /** Appends an event, delivers it to every stream and held poll, returns its id. */
  publish(type: string, data: unknown): number;
  /** Serves the hub's path (SSE, long-poll, POST, preflight); false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends every stream and held poll. */
  close(): void;
}

/** Creates an in-memory event hub implementing docs/PROTOCOL.md for SSE, long-poll and HTTP sends. */
export function createEventHub(options?: EventHubOptions): EventHub;
/** One event in SSE framing. */
export function frame(event: LoggedEvent): string;
/** CORS headers with credentials (echoes Origin, allows Last-Event-ID, exposes Retry-After). */
export function cors(req: IncomingMessage, res: ServerResponse): void;
