// What "the same connection" means for a hook that receives a fresh `url` and
// options object on every render. One rule, applied to the whole options tree:
//
// - plain data (strings, numbers, booleans, arrays, plain objects, `URL`s) is
//   compared by value: an inline `{ heartbeat: { intervalMs: 15000 } }` is the same
//   connection on every render;
// - functions (`parse`, `serialize`, `shouldReconnect`, a `headers` or `url`
//   function, `fetch`, ...) are callbacks: the client calls the one from the latest
//   render through a stable trampoline, so an inline arrow never reconnects; only
//   adding or removing one does;
// - constructors (`WebSocket`, `EventSource`, `Worker`) and any other object
//   (`signal`) are compared by reference.

/** Options whose function value is constructed with `new`, so it cannot be trampolined. */
const CONSTRUCTORS: ReadonlySet<string> = new Set(['WebSocket', 'EventSource', 'Worker']);

const isPlain = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
};

/** Gives objects compared by reference a stable number within one hook. */
export class References {
  #ids = new WeakMap<object, number>();
  #next = 0;

  /** The object's number, assigned on first sight. */
  id(value: object): number {
    let id = this.#ids.get(value);
    if (id === undefined) this.#ids.set(value, (id = ++this.#next));
    return id;
  }
}

/**
 * A string that is equal for two values exactly when they are the same connection
 * under the rule above. `key` is the option name the value sits under.
 */
export function identityOf(value: unknown, refs: References, key = ''): string {
  if (typeof value === 'function') return CONSTRUCTORS.has(key) ? `ref:${refs.id(value)}` : 'fn';
  // numbers through String(): JSON would turn Infinity and NaN into null
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'u';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof URL) return JSON.stringify(value.href);
  if (!isPlain(value)) return `ref:${refs.id(value)}`;
  if (Array.isArray(value)) return `[${value.map((item) => identityOf(item, refs)).join(',')}]`;
  const fields = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${identityOf((value as Record<string, unknown>)[k], refs, k)}`);
  return `{${fields.join(',')}}`;
}

/**
 * A copy of `value` whose callbacks call the function at the same path in
 * `latest()`, so the client built from it always runs the newest render's code.
 */
export function trampolined<T>(value: T, latest: () => unknown, path: readonly (string | number)[] = [], key = ''): T {
  if (typeof value === 'function') {
    if (CONSTRUCTORS.has(key)) return value;
    const fresh = (): unknown => path.reduce<unknown>((node, step) => (node as Record<string | number, unknown> | undefined)?.[step], latest());
    return ((...args: unknown[]) => {
      const fn = fresh();
      // the latest render removed it: that also changed the identity, so this
      // client is being replaced; keep answering as the function it was built with
      return (typeof fn === 'function' ? fn : value)(...args);
    }) as T;
  }
  if (value === null || typeof value !== 'object' || !isPlain(value)) return value;
  if (Array.isArray(value)) return value.map((item, i) => trampolined(item, latest, [...path, i])) as T;
  return Object.fromEntries(
    Object.entries(value).map(([k, item]) => [k, trampolined(item, latest, [...path, k], k)]),
  ) as T;
}
