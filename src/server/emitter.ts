// A typed emitter in the nanoevents style: `on()` returns the unsubscribe. Unlike
// Node's EventEmitter, a throwing listener never reaches the caller (the socket
// handler that emitted), and an `error` nobody listens to does not crash the
// process: both go to `onError`.

/** Listeners of the events in `Events` (`{ name: payload }`). */
export type Listener<T> = (payload: T) => unknown;

export interface Emitter<Events extends object> {
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void;
  /** Calls every listener of `type`; resolves once every returned promise settled (rejections are reported). */
  emit<K extends keyof Events>(type: K, payload: Events[K]): Promise<void> | undefined;
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
      if (!set || set.size === 0) return undefined;
      let pending: Promise<unknown>[] | undefined;
      // a copy: a listener that unsubscribes (or subscribes) does not disturb this round
      for (const listener of [...set]) {
        try {
          const result = (listener as Listener<typeof payload>)(payload);
          if (isThenable(result)) (pending ??= []).push(Promise.resolve(result).catch((error: unknown) => onError(error, type)));
        } catch (error) {
          onError(error, type);
        }
      }
      return pending && Promise.all(pending).then(() => {});
    },
    has: (type) => (all.get(type)?.size ?? 0) > 0,
    clear: () => all.clear(),
  };
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
