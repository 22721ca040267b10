import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Hub, UploadStore } from '../src/entries/server.js';
import type { Status } from './server/status.mjs';

export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. @default 8080 */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Where uploads are stored. @default a fresh temporary directory */
  uploadDir?: string;
  /** Largest upload accepted, in bytes. @default 1073741824 */
  maxUploadBytes?: number;
  /** Period of the stats tick (status document, SSE `stats` event, WebSocket message). @default 2000 */
  tickMs?: number;
  /** SSE `retry:` sent at the start of every stream: a fixed value, or a range drawn from per stream. @default [1000, 3000] */
  retryMs?: number | [minMs: number, maxMs: number];
  /** How long a long-poll is held before a 204. @default 25000 */
  holdMs?: number;
  /** SSE keep-alive comment period. @default 15000 */
  keepAliveMs?: number;
  /** Origins besides the server's own allowed to connect (WebSocket Origin check, CORS). @default [] */
  allowedOrigins?: string[];
  /** Keep the hub's log (and the chat counter) in this Redis, shared with every demo process on it. @default in memory */
  redisUrl?: string;
  /** The Redis key of the hub's stream (`<key>:chat-seq` numbers the chat). @default 'pushline-demo' */
  redisKey?: string;
}

/** One chat room message, as broadcast. */
export interface ChatMessage {
  type: 'join' | 'leave' | 'says';
  seq: number;
  at: number;
  name: string;
  via: string;
  text?: string;
  cid?: string;
}

/** One request the server saw (the latest 500 are kept). */
export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  query: string;
  origin: string | undefined;
  /** Whether the demo's cookie came along. */
  cookie: boolean;
  /** A WebSocket upgrade. */
  upgrade: boolean;
  /** The status answered (101 for an accepted upgrade); 0 while pending. */
  status: number;
}

export interface ChaosAction {
  n: number;
  action: string;
  at: number;
  seconds?: number;
}

export interface ChaosState {
  refusing: boolean;
  refuseRemainingMs: number;
  frozen: boolean;
  freezeRemainingMs: number;
  frozenSockets: number;
  websocketBlocked: boolean;
  sockets: number;
  carrying: number;
  actions: number;
  recent: ChaosAction[];
}

/** Breaks connections on demand (the same as the /chaos endpoints). */
export interface Chaos {
  /** Destroys every socket (except `except`); returns how many. */
  drop(except?: Socket): number;
  /** Drops everything, then answers transports 503 + Retry-After for `seconds`. */
  refuse(seconds: number, except?: Socket): number;
  /** Freezes live connections, and new ones, for `seconds` (half-open); returns how many are frozen. */
  freeze(seconds: number): number;
  /** Ends a freeze now. */
  thaw(): void;
  /** Refuses WebSocket upgrades of the chat with 403 (to show the fallback chain). */
  blockWebSocket(on: boolean): void;
  /** Ends every fault. */
  reset(): void;
  readonly refusing: boolean;
  readonly frozen: boolean;
  readonly websocketBlocked: boolean;
  state(): ChaosState;
}

export interface DemoStats {
  type: 'stats';
  tick: number;
  time: string;
  uptimeS: number;
  /** `host:port` of the process that sent this (several may share a Redis log). */
  node: string;
  log: 'memory' | 'redis';
  clients: { websocket: number; sse: number; longPoll: number; upload: number };
  chat: { messages: number; online: string[] };
  uploads: { completed: number; bytes: number };
  statusDoc: { ok: number; notModified: number };
  chaos: { refusing: boolean; frozen: boolean; websocketBlocked: boolean };
}

/** Events of `DemoServer.events`. */
export interface DemoServerEvents {
  /** Upload bytes arrived: `received` on this connection, `total` since start. */
  'upload-data': [{ received: number; total: number }];
  /** An upload finished. */
  'upload-done': [{ type: 'done'; id: string; size: number; sha256: string }];
  chat: [ChatMessage];
  chaos: [ChaosState];
}

export interface DemoServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** pushline/server: WebSocket at /chat, SSE, long-poll and HTTP sends at /events, uploads at /upload. */
  readonly hub: Hub;
  /** The worker-poll stats document at /status. */
  readonly status: Status;
  /** The worker-poll chat document at /chat/log. */
  readonly chatDoc: Status;
  readonly chat: { readonly log: ChatMessage[]; readonly online: string[]; readonly count: number };
  /** Where uploads are stored. */
  readonly sink: UploadStore;
  readonly chaos: Chaos;
  readonly events: EventEmitter<DemoServerEvents>;
  readonly requests: RequestRecord[];
  readonly uploads: { completed: number; bytes: number; received: number };
  /** The current stats document. */
  stats(): DemoStats;
  close(): Promise<void>;
}

/** Starts the demo server (pages, every transport, chat, upload, chaos) on 127.0.0.1. */
export function startDemoServer(options?: DemoServerOptions): Promise<DemoServer>;
