/**
 * A page lifecycle for Node tests: `navigator.onLine`, `document.visibilityState`
 * and window events (`online`, `pageshow`, `visibilitychange`) on `globalThis`,
 * restored afterwards. Chromium tests prove what real browsers do.
 */
export interface FakePage {
  hide(): void;
  show(): void;
  offline(): void;
  online(): void;
  /** A back/forward-cache restore (`persisted`), or a plain load. */
  pageshow(persisted?: boolean): void;
  restore(): void;
}

export function fakePage({ onLine = true, hidden = false, href = '' } = {}): FakePage {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = ['navigator', 'document', 'location', 'addEventListener', 'removeEventListener', 'dispatchEvent'].map(
    (key) => [key, Object.getOwnPropertyDescriptor(g, key)] as const,
  );
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: (hidden ? 'hidden' : 'visible') as DocumentVisibilityState });
  const nav = { onLine };
  const define = (key: string, value: unknown): void => void Object.defineProperty(g, key, { value, configurable: true, writable: true });
  define('navigator', nav);
  define('document', doc);
  if (href) define('location', new URL(href));
  define('addEventListener', win.addEventListener.bind(win));
  define('removeEventListener', win.removeEventListener.bind(win));
  define('dispatchEvent', win.dispatchEvent.bind(win));
  const visibility = (state: DocumentVisibilityState): void => {
    doc.visibilityState = state;
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  return {
    hide: () => visibility('hidden'),
    show: () => visibility('visible'),
    offline: () => {
      nav.onLine = false;
      win.dispatchEvent(new Event('offline'));
    },
    online: () => {
      nav.onLine = true;
      win.dispatchEvent(new Event('online'));
    },
    pageshow: (persisted = true) => win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted })),
    restore: () => {
      for (const [key, descriptor] of saved) {
        if (descriptor) Object.defineProperty(g, key, descriptor);
        else delete g[key];
      }
    },
  };
}
