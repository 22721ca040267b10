/**
 * `pushline/server` (Node >= 20): the server side of every pushline transport.
 * One hub serves plain and `pushline.v1` WebSockets, Server-Sent Events,
 * long-polling, POSTed sends and chunked uploads on one path, over an event log
 * in memory (`memoryLog`) or on a Redis Stream shared by any number of
 * processes (`redisLog`). Needs the `ws` package; `redisLog` needs `redis`.
 * @packageDocumentation
 */
export { createHub } from '../server/hub.js';
export type { Attachment, Hub, HubStats, PublishOptions } from '../server/hub.js';
export { memoryLog } from '../server/logs/memory.js';
export type { MemoryLogOptions } from '../server/logs/memory.js';
export { redisLog } from '../server/logs/redis.js';
export type { RedisLogOptions } from '../server/logs/redis.js';
export { RELIABLE_PROTOCOL, RESET_EVENT, UPLOAD_PROTOCOL } from '../server/frames.js';
export type { AttachOptions, Authorize, HubOptions, OriginPolicy, UploadOptions } from '../server/options.js';
export type { HubHandler } from '../server/endpoint.js';
export type { UploadStore } from '../server/upload-sink.js';
export type { MessageEvent, SendTransport } from '../server/inbound.js';
export type {
  ConnectionEvent,
  ConnectionTransport,
  DisconnectEvent,
  HubErrorEvent,
  HubEvents,
  PublishEvent,
  UploadEvent,
  UploadProgressEvent,
} from '../server/context.js';
export type { Listener } from '../server/emitter.js';
export type { Claim, EventLog, LogEntry, LogListener, LogRead, Position, ResetReason, SessionStore } from '../server/log.js';
// for custom logs: the id format and the cursor rules every log applies
export { classifyCursor, comparePositions, newEpoch, parseId } from '../server/log.js';
