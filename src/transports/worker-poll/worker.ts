/**
 * The worker-poll Worker: runs the shared poll loop on the Worker's own timers,
 * which hidden-tab throttling of the page does not stretch. Built separately as
 * a minified IIFE: inlined into the bundles (started from a Blob URL) and shipped
 * as `dist/poll-worker.js` for the `workerUrl` option.
 *
 * Protocol: the worker posts `ready` as soon as it runs (the page trusts it only
 * then); the page posts `start`; the worker reports `ok`/`data`/`status`/`fail`.
 * A `headers` function cannot cross into a Worker, so without static headers
 * the worker posts `ask` before each request and waits for `headers`.
 * @packageDocumentation
 */
import { pollLoop, type HeaderRecord, type PageMessage, type PollReport } from './loop.js';

/** The little of a DedicatedWorkerGlobalScope used here (the DOM lib types `globalThis` as a Window). */
interface Scope {
  postMessage(message: PollReport): void;
  onmessage: ((e: { data: PageMessage }) => void) | null;
}

const scope = globalThis as unknown as Scope;
const post = (r: PollReport): void => {
  // an Error thrown by fetch is cloned; anything else (rare) could throw DataCloneError
  try {
    scope.postMessage(r);
  } catch {
    scope.postMessage({ t: 'fail', error: String(r.t === 'fail' ? r.error : r.t) });
  }
};
let answer: ((h: HeaderRecord) => void) | undefined;

scope.onmessage = ({ data }) => {
  if (data.t === 'headers') return answer?.(data.headers);
  const fixed = data.headers;
  pollLoop(
    data,
    fetch,
    fixed ? () => fixed : () => new Promise<HeaderRecord>((resolve) => ((answer = resolve), post({ t: 'ask' }))),
    post,
  );
};
post({ t: 'ready' });
