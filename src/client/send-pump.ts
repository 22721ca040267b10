import { byteLength } from '../bytes.js';
import { ConnectTimeoutError, HttpStatusError, QueueFullError, RealtimeError, typed } from '../errors.js';
import type { Resolved } from '../policy/options.js';
import { isSendRetryable, nextDelay } from '../policy/policy.js';
import type { Transport } from '../transport.js';
import type { SendData } from '../types.js';

interface Item {
  data: SendData;
  readonly bytes: number;
  /** Position among all sends, for `flush()`. */
  readonly n: number;
  /** Sequence number, given when first handed to a transport in reliable mode. */
  seq?: number;
  /** Handed to a transport at least once: never evicted (in reliable mode its seq must reach the server). */
  sent?: boolean;
  /** A Blob being read into bytes (reliable mode frames carry bytes). */
  reading?: Promise<void> | undefined;
}

type Waiter = readonly [n: number, resolve: () => void, reject: (e: Error) => void];

/**
 * Every send, in order, until it is delivered: handed to an open WebSocket, answered
 * 2xx over HTTP, or, in reliable mode, acknowledged by the server. Owns the queue
 * bounds, the one HTTP send in flight (never evicted, bounded by `connectTimeoutMs`,
 * retried under the policy with `Retry-After` as a floor, dropped and reported on a
 * 4xx that retrying cannot fix), sequence numbers, and `flush()`.
 */
export class SendPump {
  readonly #items: Item[] = [];
  /** Items at the head written to the current transport and awaiting an ack (reliable mode). */
  #written = 0;
  #bytes = 0;
  #count = 0;
  #seq = 0;
  #failures = 0;
  #target: Transport | undefined;
  /** The HTTP send in flight, or a retry wait: nothing else goes meanwhile. */
  #busy: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Waiter[] = [];

  constructor(
    readonly o: Resolved,
    readonly report: (error: RealtimeError) => void,
  ) {}

  /** Bytes not yet delivered (queued, in flight, unacknowledged). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues `data` and sends what the transport can take. Returns false (and reports `QueueFullError`) when the bounds refuse it. */
  push(data: SendData): boolean {
    const t = this.#target;
    // an open WebSocket with nothing ahead takes it at once, whatever the queue bounds
    if (t && t.ping && !this.o.reliable && !this.#items.length) {
      t.send(data, undefined, undefined);
      return true;
    }
    const bytes = byteLength(data);
    const { maxMessages, maxBytes, overflow } = this.o.queue;
    while (this.#items.length >= maxMessages || this.#bytes + bytes > maxBytes) {
      const oldest = this.#items.findIndex((item) => !item.sent);
      if (overflow === 'reject' || oldest < 0) {
        this.report(new QueueFullError());
        return false;
      }
      this.#remove(oldest);
    }
    const item: Item = { data, bytes, n: ++this.#count };
    if (this.o.reliable && data instanceof Blob) {
      item.reading = data.arrayBuffer().then(
        (buffer) => {
          item.data = buffer;
          item.reading = undefined;
          this.pump();
        },
        // an unreadable Blob (a File changed on disk) is dropped, never blocks the queue
        (error: unknown) => {
          this.#remove(this.#items.indexOf(item));
          this.report(typed(error));
          this.pump();
        },
      );
    }
    this.#items.push(item);
    this.#bytes += bytes;
    this.pump();
    return true;
  }

  /** The transport is OPEN: unacknowledged sends go again first, in order, then the rest. */
  attach(target: Transport): void {
    this.#target = target;
    this.#written = 0;
    this.pump();
  }

  /** The transport is gone; an HTTP send in flight still settles (it went to `sendUrl`, not the stream). */
  detach(): void {
    this.#target = undefined;
  }

  /** Reliable mode: the server stored every send up to `seq`. */
  ack(seq: number): void {
    while (this.#items[0]?.seq !== undefined && this.#items[0].seq <= seq) this.#remove(0);
  }

  /** Resolves once every send made before the call is delivered (or dropped); rejects if the client closes first. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push([this.#count, resolve, reject]);
      this.#settle();
    });
  }

  /** The client closed for good: the send in flight is abandoned (it stays queued for a later `connect()`), `flush()` rejects. */
  stop(): void {
    this.#target = undefined;
    clearTimeout(this.#timer);
    this.#busy?.abort();
    this.#busy = undefined;
    for (const [, , reject] of this.#waiters.splice(0)) reject(new RealtimeError('closed', 'the client closed before delivery'));
  }

  /** Sends in order while the transport takes them. */
  pump(): void {
    for (let t = this.#target; t === this.#target && t && !this.#busy; ) {
      const item = this.#items[this.#written];
      if (!item || item.reading) return;
      if (this.o.reliable) item.seq ??= ++this.#seq;
      item.sent = true;
      const ctl = t.ping ? undefined : new AbortController();
      const result = t.send(item.data, item.seq, ctl?.signal);
      if (!result) {
        if (this.o.reliable) this.#written++;
        else this.#remove(0);
        continue;
      }
      this.#busy = ctl;
      const timer = setTimeout(() => ctl!.abort(new ConnectTimeoutError(this.o.connectTimeoutMs)), this.o.connectTimeoutMs);
      result.then(
        () => this.#done(ctl!, () => this.#remove(this.#items.indexOf(item))),
        (error: unknown) => this.#done(ctl!, () => this.#failed(item, error)),
      ).finally(() => clearTimeout(timer));
    }
  }

  #done(ctl: AbortController, then: () => void): void {
    // a send abandoned by stop() reports nothing
    if (this.#busy !== ctl) return;
    this.#busy = undefined;
    then();
    this.pump();
  }

  #failed(item: Item, error: unknown): void {
    if (error instanceof HttpStatusError && !isSendRetryable(error.status)) {
      // retrying cannot fix it: drop this one, so it never blocks the ones behind it
      this.#remove(this.#items.indexOf(item));
      return this.report(new HttpStatusError(error.status, error.retryAfterMs, item.data));
    }
    // a wait under the policy, with the server's Retry-After as a floor
    const ctl = (this.#busy = new AbortController());
    const retryAfterMs = error instanceof HttpStatusError ? error.retryAfterMs : undefined;
    this.#timer = setTimeout(() => this.#done(ctl, () => {}), nextDelay(this.o.reconnect, ++this.#failures, retryAfterMs));
    this.report(typed(error));
  }

  #remove(index: number): void {
    const [item] = this.#items.splice(index, 1);
    if (!item) return;
    if (index < this.#written) this.#written--;
    this.#bytes -= item.bytes;
    if (index === 0) this.#failures = 0;
    this.#settle();
  }

  /** Resolves the `flush()` promises whose sends have all left the queue. */
  #settle(): void {
    const head = this.#items[0]?.n ?? Infinity;
    this.#waiters = this.#waiters.filter(([n, resolve]) => (n < head ? (resolve(), false) : true));
  }
}
