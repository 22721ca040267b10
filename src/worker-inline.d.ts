/**
 * `import code from './x.worker.ts?worker-inline'`: tools/worker-inline.mjs builds
 * that entry separately (IIFE, minified) and exports its code as a string.
 */
declare module '*?worker-inline' {
  /** The worker's code, ready for `new Blob([code])`. */
  const code: string;
  export default code;
}
