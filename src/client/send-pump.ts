import { byteLength } from '../bytes.js';
import { QueueFullError, RealtimeError, typed } from '../errors.js';
import type { Resolved } from '../policy/options.js';
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
 * Every send, in order, until it is delivered: handed to an open WebSocket, settled
 * by an HTTP transport (which retries it), or, in reliable mode, acknowledged by the
 * server. Owns the queue bounds (a send already handed over is never evicted), the
 * one HTTP send at a time, sequence numbers and `flush()`.
 */
export class SendPump {
  readonly #items: Item[] = [];
  /** Items at the head written to the current transport and awaiting an ack (reliable mode). */
  #written = 0;
  #bytes = 0;
  #count = 0;
  #seq = 0;
  #target: Transport | undefined;
  /** Aborted by `stop()`: ends the HTTP send in flight. */
  // made on the first send: an idle client holds no AbortController
  #stop: AbortController | undefined;
  /** An HTTP send is in flight: nothing else goes meanwhile. */
  #busy = false;
  #waiters: Waiter[] = [];

  readonly #o: Resolved;
  /** Where problems go (an `error` event); also handed to transports for sends that outlive a connection. */
  readonly report: (error: RealtimeError) => void;

  constructor(o: Resolved, report: (error: RealtimeError) => void) {
    this.#o = o;
    this.report = report;
  }

  /** Bytes not yet delivered (queued, in flight, unacknowledged). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues `data` and sends what the transport can take. Returns false (and reports `QueueFullError`) when the bounds refuse it. */
  push(data: SendData): boolean {
    const t = this.#target;
    // an open WebSocket with nothing ahead takes it at once, whatever the queue bounds
    if (t?.ping && t.readyState === 1 && !this.#o.reliable && !this.#items.length) {
      t.send(data, undefined, undefined);
      return true;
    }
    const bytes = byteLength(data);
    const { maxMessages, maxBytes, overflow } = this.#o.queue;
    while (this.#items.length >= maxMessages || this.#bytes + bytes > maxBytes) {
      const oldest = this.#items.findIndex((item) => !item.sent);
      // nothing left to evict, or it could never fit: refuse before evicting anything
      if (overflow === 'reject' || oldest < 0 || bytes > maxBytes || !maxMessages) {
        this.report(new QueueFullError());
        return false;
      }
      this.#remove(oldest);
    }
    const item: Item = { data, bytes, n: ++this.#count };
    if (this.#o.reliable && data instanceof Blob) {
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
    this.#stop?.abort();
    this.#stop = undefined;
    this.#busy = false;
    for (const [, , reject] of this.#waiters.splice(0)) reject(new RealtimeError('closed', 'the client closed before delivery'));
  }

  /** Sends in order while the transport takes them. */
  pump(): void {
    for (let t = this.#target; t === this.#target && t?.readyState === 1 && !this.#busy; ) {
      const item = this.#items[this.#written];
      if (!item || item.reading) return;
      if (this.#o.reliable) item.seq ??= ++this.#seq;
      item.sent = true;
      const stop = (this.#stop ??= new AbortController());
      const result = t.send(item.data, item.seq, stop.signal);
      if (!result) {
        if (this.#o.reliable) this.#written++;
        else this.#remove(0);
        continue;
      }
      this.#busy = true;
      result.then(
        () => {
          if (stop !== this.#stop) return;
          this.#busy = false;
          this.#remove(this.#items.indexOf(item));
          this.pump();
        },
        () => {}, // stopped: it stays queued, and nothing is reported
      );
    }
  }

  #remove(index: number): void {
    if (index < 0) return;
    const [item] = this.#items.splice(index, 1);
    if (!item) return;
    if (index < this.#written) this.#written--;
    this.#bytes -= item.bytes;
    this.#settle();
  }

  /** Resolves the `flush()` promises whose sends have all left the queue. */
  #settle(): void {
    const head = this.#items[0]?.n ?? Infinity;
    this.#waiters = this.#waiters.filter(([n, resolve]) => (n < head ? (resolve(), false) : true));
  }
}
