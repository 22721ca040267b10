import type { SseParser } from '../../protocol/sse-parser.js';
import type { Transport, TransportContext } from '../../transport.js';
import type { CloseInfo } from '../../types.js';
import { resolveUrl } from '../../policy/url.js';
import { post } from './request.js';
import { deliver } from './sender.js';

/**
 * What the HTTP transports (SSE in both modes, long-poll, worker-poll) share: the Transport
 * shape without a channel of their own, sends as POSTs, and one guarded end.
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
 * event id, sent along with POSTs.
 */
export function httpLink(
  { url, options, sink, report }: TransportContext,
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
    binaryType: 'blob',
    send: (data, seq, signal) => deliver(options, data, (abort) => post(options, sendUrl, data, cursor(), seq, abort), signal!, report),
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

/** The reliable-mode reset signal over SSE and long-poll. */
export const RESET_EVENT = 'pushline.reset';

/** Reads one event from the shared parser into the sink: the reset signal in reliable mode, else a message. */
export function sseEvent({ options, sink }: TransportContext, origin: () => string): (e: { type: string; data: string; lastEventId: string }) => void {
  return (e) => (options.reliable && e.type === RESET_EVENT ? sink.reset(e.lastEventId) : sink.message(e.type, e.data, e.lastEventId, origin()));
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
