import type { Resolved } from '../policy/options.js';

/** Options of `client.upload()`. */
export interface UploadOptions {
  /** File name sent in `start`. @default 'blob' or the `File` name */
  name?: string;
  /** MIME type sent in `start`. @default the Blob's type or 'application/octet-stream' */
  type?: string;
  /** Upload id; reuse it to resume across page loads. @default a random UUID */
  id?: string;
  /** @default options.upload.chunkSize (131072) */
  chunkSize?: number;
  /** @default options.upload.highWaterMark (1048576) */
  highWaterMark?: number;
  /** @default options.upload.url, else the websocket URL */
  url?: string | URL;
  /** Aborting sends `abort`, closes the upload socket and rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Called as bytes are sent and acknowledged. */
  onProgress?: (progress: UploadProgress) => void;
}

/** Progress of one upload, in bytes. */
export interface UploadProgress {
  /** Bytes written to the upload socket. */
  sent: number;
  /** Bytes the server acknowledged as stored. */
  acked: number;
  /** The size of the data. */
  total: number;
}

/** What a finished upload resolves to. */
export interface UploadResult {
  /** The upload id. */
  id: string;
  /** Bytes stored, as the server reports (checked against the data's size). */
  size: number;
  /** Hex SHA-256 computed by the server. */
  sha256: string;
}

/** What the uploader needs from the client. */
export interface UploadHost {
  readonly options: Resolved;
  /** Aborted when the client closes: in-flight uploads then reject with an `AbortError`. */
  readonly signal: AbortSignal;
  /** Resolves the upload URL (explicit `url`, else `options.upload.url`, else the websocket URL) as `ws(s):`. */
  uploadUrl(explicit?: string | URL): Promise<string>;
}

/** The uploader, supplied by the entries that include it. */
export type Uploader = (
  host: UploadHost,
  data: Blob | ArrayBuffer | ArrayBufferView,
  opts?: UploadOptions,
) => Promise<UploadResult>;
