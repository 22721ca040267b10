import { credentials, post, requestHeaders } from './request.js';
import type { Resolved } from '../../policy/options.js';
import { ProtocolError } from '../../errors.js';
import { SseParser } from '../../protocol/sse-parser.js';
import { withResumeCursor, type Transport, type TransportContext } from '../../transport.js';
import type { CloseInfo } from '../../types.js';
import { resolveUrl } from '../../policy/url.js';

/**
 * What the HTTP transports (SSE in both modes, long-poll, worker-poll) share: the Transport
 * shape without a duplex channel, sends as ordered POSTs, and one guarded end.
 */
export interface HttpLink {
  /** The Transport handed to the client. */
  readonly transport: Transport;
  /** Ends the connection once: `stop()` runs, then `sink.close(info)`; later calls do nothing. */
  end(info: CloseInfo): void;
  /** Whether `end` has run. */
  readonly ended: boolean;
}

/**
 * Builds the shared part of an HTTP transport. `state` is the transport's own
 * readyState while live; `stop` releases its resources; `cursor` is the newest
 * event id, sent along with POSTs as `Last-Event-ID`.
 */
export function httpLink(
  { url, options, sink }: TransportContext,
  state: () => number,
  stop: () => void,
  cursor: () => string,
  listen?: (type: string) => void,
): HttpLink {
  // resolved now (against the page, or the transport URL where there is no page), so a
  // bad sendUrl fails this attempt instead of every send
  const sendUrl = resolveUrl(new URL(String(options.sendUrl ?? url), globalThis.location?.href ?? url), 'http');
  let ended = false;
  const end = (info: CloseInfo): void => {
    if (ended) return;
    // set first: stop() and sink.close() may re-enter close() (the client settles the transport)
    ended = true;
    stop();
    sink.close(info);
  };
  const transport: Transport = {
    get readyState() {
      return ended ? 3 : state();
    },
    bufferedAmount: 0,
    protocol: '',
    extensions: '',
    duplex: false,
    binaryType: 'blob',
    send: (data) => post(options, sendUrl, data, cursor()),
    // like WebSocket: no code given reads as 1005 "no status received"
    close: (code, reason) => end({ code: code ?? 1005, reason: reason ?? '', wasClean: true }),
    ...(listen && { listen }),
  };
  return {
    transport,
    end,
    get ended() {
      return ended;
    },
  };
}

/**
 * GET an event stream with the resume cursor (SPEC §4: query parameter and
 * `Last-Event-ID`), the `headers` option and `credentials`; `query` adds parameters.
 */
export async function getStream(o: Resolved, url: string, lastEventId: string, signal: AbortSignal, query?: Record<string, string>): Promise<Response> {
  return o.fetch(withResumeCursor(url, lastEventId, query), {
    headers: await requestHeaders(o, lastEventId, { Accept: 'text/event-stream' }),
    credentials: credentials(o),
    cache: 'no-store',
    signal,
  });
}

/** A close for a 2xx answer that is not an event stream (a proxy's HTML page, a JSON error...). */
export function badContentType(res: Response): CloseInfo | undefined {
  const type = res.headers.get('content-type') ?? '';
  if (/^\s*text\/event-stream\s*(;|$)/i.test(type) && res.body) return undefined;
  const error = new ProtocolError(`expected text/event-stream, got '${type}'`);
  return { code: 1006, reason: error.message, wasClean: false, error };
}

/** Feeds a response body through `parser` until it ends; `chunk` runs after each piece (liveness, cursor). */
export async function readBody(res: Response, parser: SseParser, chunk: () => void): Promise<void> {
  const reader = res.body!.getReader();
  for (let r; !(r = await reader.read()).done; ) {
    parser.feed(r.value);
    chunk();
  }
  parser.end();
}
