/** Everything every entry point exports besides its `RealtimeClient`. */
export { RealtimeClientBase } from './client.js';
export {
  ConnectTimeoutError, HeartbeatTimeoutError, HttpStatusError, ProtocolError, QueueFullError, RealtimeError, UploadError,
  WorkerUnavailableError,
} from './errors.js';
export type { CloseDetail, RealtimeEvent, RealtimeEventMap } from './events.js';
export type {
  HeartbeatOptions, LifecycleOptions, Options, QueueOptions, TransportEntry, TransportOverrides, UploadDefaults,
} from './options.js';
export { DEFAULT_RECONNECT, FATAL, nextDelay, parseRetryAfter, shouldReconnect, type ReconnectOptions } from './policy.js';
export type { ClientState, CloseInfo, ConnectContext, HeadersInput, SendData, TransportName, UrlInput } from './types.js';
export type { UploadOptions, UploadProgress, UploadResult } from './upload-api.js';
