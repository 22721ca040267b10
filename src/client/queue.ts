import { byteLength } from '../bytes.js';
import type { QueueOptions } from '../policy/options.js';
import type { SendData } from '../types.js';

interface Item {
  data: SendData;
  bytes: number;
}

/**
 * FIFO of sends waiting for an OPEN transport, bounded both in count and in
 * bytes. Items stay at the head until the transport accepted them, so a send
 * that fails is retried in order.
 */
export class SendQueue {
  #items: Item[] = [];
  #head = 0;
  /** Bytes currently queued. */
  bytes = 0;

  readonly #limits: QueueOptions;

  constructor(limits: QueueOptions) {
    this.#limits = limits;
  }

  /** Number of queued sends. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The oldest queued send. */
  peek(): SendData | undefined {
    return this.#items[this.#head]?.data;
  }

  /**
   * Queues `data`. Returns false when the bounds forbid it under `'reject'`;
   * under `'drop-oldest'` evicts from the head until it fits (a message larger
   * than `maxBytes` on its own is refused either way).
   */
  push(data: SendData): boolean {
    const bytes = byteLength(data);
    const { maxMessages, maxBytes, overflow } = this.#limits;
    if (bytes > maxBytes) return false;
    const fits = (): boolean => this.length < maxMessages && this.bytes + bytes <= maxBytes;
    if (!fits()) {
      if (overflow === 'reject') return false;
      while (!fits()) this.shift();
    }
    this.#items.push({ data, bytes });
    this.bytes += bytes;
    return true;
  }

  /** Removes the oldest send (it was delivered, or evicted). */
  shift(): void {
    const item = this.#items[this.#head];
    if (!item) return;
    this.bytes -= item.bytes;
    this.#items[this.#head++] = undefined as unknown as Item;
    // compact now and then so shift stays O(1) amortised without unbounded growth
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
