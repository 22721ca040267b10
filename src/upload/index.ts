import type { Uploader } from './types.js';

/**
 * The uploader, loaded on the first `upload()` call: most apps never upload, so
 * bundlers split it into its own chunk and the initial bundle stays small. (The
 * UMD build inlines it.)
 */
export const lazyUpload: Uploader = (...args) => import('./upload.js').then((m) => m.upload(...args));
