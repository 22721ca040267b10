import type { CloseDetail, RealtimeEvent } from './events.js';

/**
 * Adapts a client's `message` events to an async iterator. Messages that arrive
 * while the consumer is busy are buffered; the iterator ends after the final
 * `close` (one with `willReconnect: false`) or when `signal` aborts.
 */
export function messageStream<In>(target: EventTarget, signal?: AbortSignal): AsyncIterableIterator<In> {
  const buffered: In[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const onMessage = (e: Event): void => {
    buffered.push((e as MessageEvent<In>).data);
    wake?.();
  };
  const onClose = (e: Event): void => {
    if (!(e as RealtimeEvent<CloseDetail>).willReconnect) stop();
  };
  const stop = (): void => {
    done = true;
    target.removeEventListener('message', onMessage);
    target.removeEventListener('close', onClose);
    signal?.removeEventListener('abort', stop);
    wake?.();
  };
  target.addEventListener('message', onMessage);
  target.addEventListener('close', onClose);
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop);

  const iterator: AsyncIterableIterator<In> = {
    async next(): Promise<IteratorResult<In>> {
      while (!buffered.length && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      // what arrived before the end is still delivered
      if (buffered.length) return { value: buffered.shift() as In, done: false };
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<In>> {
      stop();
      buffered.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
