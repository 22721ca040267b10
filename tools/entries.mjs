// Every public entry point of the package, one line each. rollup.config.mjs builds
// each into ESM (`dist/<name>.mjs`), CommonJS (`dist/<name>.cjs`) and one
// self-contained declaration file per module kind (`.d.ts`, `.d.cts`);
// tools/exports.mjs derives the package.json `exports` and `typesVersions` from it.
//
// To add an entry: add a line here, run `node tools/exports.mjs --write`, build.
// `node: true` builds it apart from the browser entries (Node built-ins external,
// no chunks shared with browser code). Peer dependencies are always external.

/** @type {Record<string, import('./entries.d.mts').Entry>} */
export const entries = {
  pushline: { input: 'src/entries/index.ts', subpath: '.' },
  websocket: { input: 'src/entries/websocket.ts' },
  sse: { input: 'src/entries/sse.ts' },
  'long-poll': { input: 'src/entries/long-poll.ts' },
  'worker-poll': { input: 'src/entries/worker-poll.ts' },
  react: { input: 'src/entries/react.ts' },
  server: { input: 'src/entries/server.ts', node: true },
};

/** Files in `exports` that are not modules: served as they are, no types, no require. */
export const assets = {
  // the worker-poll Worker as a same-origin script, for `workerUrl` under a CSP without blob:
  './poll-worker.js': './dist/poll-worker.js',
};

/** The subpath an entry is imported by (`pushline/<name>` unless given). */
export const subpathOf = (name, entry) => entry.subpath ?? `./${name}`;
