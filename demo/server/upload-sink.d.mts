import type { WebSocket } from 'ws';

/** The WebSocket subprotocol of the upload socket. */
export declare const UPLOAD_PROTOCOL: 'pushline-upload.v1';

/** Options of {@link createUploadSink}. */
export interface UploadSinkOptions {
  /** Where files go (created if missing). @default a fresh temporary directory */
  dir?: string;
  /** The largest upload accepted, in bytes. @default 1073741824 */
  maxBytes?: number;
}

/** A receiver of pushline chunked uploads. */
export interface UploadSink {
  /** The upload directory. */
  readonly dir: string;
  /** For `new WebSocketServer({ handleProtocols })`: accepts `pushline-upload.v1` only. */
  handleProtocols(protocols: Set<string>): string | false;
  /** Serves one upload connection. */
  handle(ws: WebSocket): void;
  /** Where the finished file of upload `id` is stored (metadata in `${path}.json`). */
  pathOf(id: string): string;
  /** Flushes every partial file to disk (for a clean shutdown); the partials stay, for resume. */
  close(): Promise<void>;
}

/** Creates an upload receiver that stores files under `dir`, never outside it. */
export declare function createUploadSink(options?: UploadSinkOptions): UploadSink;
