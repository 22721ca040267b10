import type { IncomingMessage, ServerResponse } from 'node:http';

/** One recorded GET of the status document. */
export interface StatusRequest {
  at: number;
  dest: string;
  mode: string | undefined;
  referer: string | undefined;
  origin: string | undefined;
  cookie: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  lastEventId: string | null | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** The status answered. */
  status: number;
}

/** Counters of a status document. */
export interface StatusCounts {
  total: number;
  ok: number;
  notModified: number;
  failed: number;
  posts: number;
  preflights: number;
  /** GETs per `Sec-Fetch-Dest` value (`'(none)'` without the header). */
  byDest: Record<string, number>;
}

/** A worker-poll status document with ETag/Last-Modified, 304s, CORS and counters. */
export interface Status {
  /** Answers `req` when it is for this document; returns whether it did. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Replaces the document: a new ETag and a later Last-Modified. */
  set(body: string): void;
  /** The next GETs answer these statuses, in order. */
  fail(status: number, retryAfter?: string): void;
  readonly body: string;
  readonly etag: string;
  readonly counts: StatusCounts;
  readonly requests: StatusRequest[];
}

/** Creates a status document served at `path` (default `/status`). */
export function createStatus(options?: { path?: string; body?: string; etag?: boolean; lastModified?: boolean }): Status;
