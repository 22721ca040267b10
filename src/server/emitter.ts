// A typed emitter in the nanoevents style: `on()` returns the unsubscribe. Unlike
// Node's EventEmitter, a throwing listener never reaches the caller (the socket
// handler that emitted), and an `error` nobody listens to does not crash the
// process: both go to `onError`.

/** A listener of one hub event: gets its payload; may return a promise (`message` listeners are awaited). */
export type Listener<T> = (payload: T) => unknown;

export interface Emitter<Events extends object> {
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void;
  /**
   * Calls every listener of `type`. Returns whether all of them succeeded: at
   * once when none returned a promise, else once every promise settled.
   * Failures are reported to `onError` either way.
   */
  emit<K extends keyof Events>(type: K, payload: Events[K]): boolean | Promise<boolean>;
  has(type: keyof Events): boolean;
  clear(): void;
}

/** `onError` gets what a listener threw or rejected with. */
export function createEmitter<Events extends object>(onError: (error: unknown, type: keyof Events) => void): Emitter<Events> {
  const all = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(type, listener) {
      let set = all.get(type);
      if (!set) all.set(type, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => void set.delete(listener as Listener<never>);
    },
    emit(type, payload) {
      const set = all.get(type);
      if (!set || set.size === 0) return true;
      let ok = true;
      let pending: Promise<boolean>[] | undefined;
      // a copy: a listener that unsubscribes (or subscribes) does not disturb this round
      for (const listener of [...set]) {
        try {
          const result = (listener as Listener<typeof payload>)(payload);
          if (isThenable(result)) {
            const settled = Promise.resolve(result).then(
              () => true,
              (error: unknown) => (onError(error, type), false),
            );
            (pending ??= []).push(settled);
          }
        } catch (error) {
          ok = false;
          onError(error, type);
        }
      }
      return pending ? Promise.all(pending).then((results) => ok && results.every(Boolean)) : ok;
    },
    has: (type) => (all.get(type)?.size ?? 0) > 0,
    clear: () => all.clear(),
  };
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
