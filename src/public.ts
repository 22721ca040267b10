/** Everything every entry point exports besides its `RealtimeClient`. */
export {
  ConnectTimeoutError, HeartbeatTimeoutError, HttpStatusError, ProtocolError, QueueFullError, RealtimeError, UploadError,
  WorkerUnavailableError, type RealtimeErrorType,
} from './errors.js';
export type { CloseDetail, RealtimeEvent, RealtimeEventMap } from './client/events.js';
export type {
  HeartbeatOptions, LifecycleOptions, Options, QueueOptions, TransportEntry, TransportOverrides, UploadDefaults,
} from './policy/options.js';
export { DEFAULT_RECONNECT, FATAL, nextDelay, parseRetryAfter, shouldReconnect, type ReconnectOptions } from './policy/policy.js';
export type { ClientState, CloseInfo, ConnectContext, HeadersInput, ReadyState, SendData, TransportName, UrlInput } from './types.js';
export type { UploadOptions, UploadProgress, UploadResult } from './upload/types.js';
