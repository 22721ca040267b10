import type { Resolved } from '../policy/options.js';

/** Options of `client.upload()` (SPEC §5). */
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
  sent: number;
  acked: number;
  total: number;
}

/** What a finished upload resolves to. */
export interface UploadResult {
  id: string;
  size: number;
  /** Hex SHA-256 computed by the server. */
  sha256: string;
}

/** What the uploader needs from the client. */
export interface UploadHost {
  readonly options: Resolved;
  /** Resolves the upload URL (explicit `url`, else `options.upload.url`, else the websocket URL) as `ws(s):`. */
  uploadUrl(explicit?: string | URL): Promise<string>;
}

/** The uploader, supplied by the entries that include it. */
export type Uploader = (
  host: UploadHost,
  data: Blob | ArrayBuffer | ArrayBufferView,
  opts?: UploadOptions,
) => Promise<UploadResult>;
