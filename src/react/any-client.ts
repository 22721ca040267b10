import type { ClientCore } from '../client/client.js';

/**
 * A client of any message types. `In` is invariant (it is both read, in
 * `messages()`, and written, in `onmessage`), so only `any` admits every client.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyClient = ClientCore<any, any, any>;
