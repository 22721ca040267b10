import type { CloseDetail, RealtimeEvent } from './events.js';

/** The little of the client that `messages()` needs. */
export interface MessageSource<In> {
  on(type: 'message', listener: (event: MessageEvent<In>) => void): () => void;
  on(type: 'close', listener: (event: RealtimeEvent<CloseDetail>) => void): () => void;
}

/**
 * Adapts a client's `message` events to an async iterator. Messages that arrive
 * while the consumer is busy are buffered; concurrent `next()` calls each settle,
 * in order. It ends after the final `close` (`willReconnect: false`), when
 * `signal` aborts, or at once when `ended` (the client is already closed); what
 * arrived before the end is still delivered.
 */
export function messageStream<In>(client: MessageSource<In>, ended: boolean, signal?: AbortSignal): AsyncIterableIterator<In> {
  const buffered: In[] = [];
  const waiting: Array<(result: IteratorResult<In>) => void> = [];
  let done = false;
  const end = { value: undefined, done: true } as const;
  const stop = (): void => {
    if (done) return;
    done = true;
    offMessage();
    offClose();
    signal?.removeEventListener('abort', stop);
    for (const resolve of waiting.splice(0)) resolve(end);
  };
  const offMessage = client.on('message', (e) => {
    const resolve = waiting.shift();
    if (resolve) resolve({ value: e.data, done: false });
    else buffered.push(e.data);
  });
  const offClose = client.on('close', (e) => e.willReconnect || stop());
  if (ended || signal?.aborted) stop();
  else signal?.addEventListener('abort', stop);

  const iterator: AsyncIterableIterator<In> = {
    next: () =>
      new Promise((resolve) => {
        if (buffered.length) resolve({ value: buffered.shift() as In, done: false });
        else if (done) resolve(end);
        else waiting.push(resolve);
      }),
    async return() {
      stop();
      buffered.length = 0;
      return end;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
