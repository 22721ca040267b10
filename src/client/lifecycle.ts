import type { LifecycleOptions } from '../policy/options.js';

/** What the client does when the page's lifecycle changes. */
export interface LifecycleHandlers {
  online(): void;
  visible(): void;
  hidden(): void;
  restored(): void;
}

/** True when the browser says it has no network. */
export const isOffline = (): boolean => globalThis.navigator?.onLine === false;

/** True when the page is hidden. */
export const isHidden = (): boolean => globalThis.document?.visibilityState === 'hidden';

/**
 * Subscribes to `online`, `visibilitychange` and `pageshow` on `globalThis`
 * (never a bare `window`, so Workers work) as `opts` asks; returns the unsubscribe.
 */
export function watchLifecycle(opts: LifecycleOptions, on: LifecycleHandlers): () => void {
  const g = globalThis as unknown as Partial<Window>;
  const doc = g.document;
  const online = (): void => on.online();
  const visibility = (): void => (isHidden() ? on.hidden() : on.visible());
  const pageshow = (e: Event): void => {
    if ((e as PageTransitionEvent).persisted) on.restored();
  };
  if (opts.online) g.addEventListener?.('online', online);
  if (opts.hidden === 'pause') doc?.addEventListener('visibilitychange', visibility);
  if (opts.pageshow) g.addEventListener?.('pageshow', pageshow);
  return () => {
    g.removeEventListener?.('online', online);
    doc?.removeEventListener('visibilitychange', visibility);
    g.removeEventListener?.('pageshow', pageshow);
  };
}
