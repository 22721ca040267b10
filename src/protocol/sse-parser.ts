/**
 * The WHATWG "event stream interpretation" (HTML §9.2.6) as a pure, streaming
 * parser: no I/O, no timers. Fetch-mode SSE and long-poll share it, so both
 * read a stream exactly as a browser's `EventSource` would.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, `'message'` when absent or empty. */
  readonly type: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  /** The last event id string at dispatch (ids persist across events). */
  readonly lastEventId: string;
}

/** Where the parser reports what it read. */
export interface SseHandlers {
  /** A complete event with a non-empty data buffer. */
  event(event: SseEvent): void;
  /** A `retry:` field made of ASCII digits only: the server's reconnection time. */
  retry?(delayMs: number): void;
  /** A comment line (text after the `:`); servers send them as keep-alives. */
  comment?(text: string): void;
}

/**
 * Feed it chunks as they arrive (bytes or already-decoded text), then `end()`.
 * Bytes go through a streaming `TextDecoder`: invalid UTF-8 becomes U+FFFD and
 * characters split across chunks survive; a CR ending one chunk and an LF
 * starting the next count as one CRLF.
 */
export class SseParser {
  readonly #on: SseHandlers;
  #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** Text of the line being read, not yet terminated. */
  #line = '';
  /** The previous chunk ended with CR: a leading LF belongs to it. */
  #cr = false;
  #started = false;
  #data = '';
  #type = '';
  /** The "last event ID buffer": set by `id:`, kept across events. */
  #idBuffer: string;
  #lastEventId: string;

  /** @param lastEventId - the id a previous stream ended with, so events without `id:` keep it */
  constructor(handlers: SseHandlers, lastEventId = '') {
    this.#on = handlers;
    this.#idBuffer = this.#lastEventId = lastEventId;
  }

  /** The last event id string: updated on every dispatch, even of an event with no data. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Parses the next chunk of the stream. */
  feed(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (!text) return;
    // one BOM is stripped at the very start of the stream, never later
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = this.#cr && text[0] === '\n' ? 1 : 0;
    const eol = /\r\n?|\n/g;
    eol.lastIndex = start;
    for (let m; (m = eol.exec(text)); start = eol.lastIndex) {
      const line = this.#line + text.slice(start, m.index);
      this.#line = '';
      this.#parseLine(line);
    }
    this.#line += text.slice(start);
    this.#cr = text.endsWith('\r');
  }

  /** The stream ended: an event without its closing blank line is dropped, as the standard says. */
  end(): void {
    this.#decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    this.#line = this.#data = this.#type = '';
    this.#cr = this.#started = false;
  }

  #parseLine(line: string): void {
    if (!line) return this.#dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) return this.#on.comment?.(line.slice(1));
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'data') this.#data += value + '\n';
    else if (field === 'event') this.#type = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.#idBuffer = value;
    } else if (field === 'retry' && /^[0-9]+$/.test(value)) this.#on.retry?.(Number(value));
  }

  #dispatch(): void {
    this.#lastEventId = this.#idBuffer;
    const data = this.#data;
    const type = this.#type;
    this.#data = this.#type = '';
    if (data) this.#on.event({ type: type || 'message', data: data.slice(0, -1), lastEventId: this.#lastEventId });
  }
}
