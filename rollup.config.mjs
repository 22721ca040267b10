// One `rollup -c` builds, for every entry in tools/entries.mjs: ESM (`.mjs`, shared
// chunks, unminified: apps minify) and CommonJS (`.cjs`) from one compilation, one
// self-contained declaration file per module kind (`.d.ts` for import, `.d.cts` for
// require); plus the UMD files for a <script> tag and the standalone poll worker.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { entries } from './tools/entries.mjs';
import workerInline, { workerOutput, workerTypescript } from './tools/worker-inline.mjs';

const pkg = JSON.parse(readFileSync('./package.json', 'utf8'));
const peers = Object.keys(pkg.peerDependencies ?? {});
// peer dependencies (and their subpaths, e.g. react/jsx-runtime) are the app's to
// install: never bundled; Node-only entries also keep Node's built-ins external
const isPeer = (id) => peers.some((peer) => id === peer || id.startsWith(`${peer}/`));
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const external = (node) => (id) => isPeer(id) || (node && builtins.has(id));

// Node-only entries (the server kit) compile against Node's types, the others against the DOM's
const tsconfig = (node) => (node ? './tsconfig.server.json' : './tsconfig.json');
const ts = (node = false) => typescript({ tsconfig: tsconfig(node), declaration: false, outDir: undefined, rootDir: undefined });

/**
 * `#private;` is how TypeScript declares a class's ES private fields. Dropped from
 * the shipped types: TypeScript reports TS18028 on it for consumers that compile to
 * ES5 (node10-era setups without skipLibCheck), and, since each entry's declaration
 * file carries its own copy of the classes, it would make a client from
 * `pushline/websocket` unassignable to the type `pushline/react` declares. The
 * fields stay private at run time; they were never part of the typed surface.
 */
const dropPrivateFields = {
  name: 'drop-private-fields',
  generateBundle(_options, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type === 'chunk') file.code = file.code.replace(/^[ \t]*#private;\r?\n/gm, '');
    }
  },
};

const groups = [false, true]
  .map((node) => Object.fromEntries(Object.entries(entries).filter(([, e]) => Boolean(e.node) === node).map(([name, e]) => [name, e.input])))
  .map((input, node) => ({ input, node: node === 1 }))
  .filter(({ input }) => Object.keys(input).length > 0);

export default [
  // ESM and CommonJS from one compilation: the same chunks, so `pushline` and
  // `pushline/websocket` share one RealtimeClientBase in either module system
  ...groups.map(({ input, node }) => ({
    input,
    external: external(node),
    plugins: [workerInline(), ts(node)],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', exports: 'named', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    ],
  })),
  {
    input: entries.pushline.input,
    plugins: [workerInline(), ts()],
    output: [
      // one file for a <script> tag: the lazily loaded upload chunk is inlined
      { file: 'dist/pushline.umd.js', format: 'umd', name: 'Pushline', inlineDynamicImports: true },
      { file: 'dist/pushline.umd.min.js', format: 'umd', name: 'Pushline', inlineDynamicImports: true, plugins: [terser()], sourcemap: true },
    ],
  },
  // the same worker the bundles inline, as a same-origin script for CSPs without blob: (`workerUrl`)
  {
    input: 'src/transports/worker-poll/worker.ts',
    plugins: [workerTypescript()],
    output: { file: 'dist/poll-worker.js', ...workerOutput },
  },
  // one declaration bundle per entry (no shared chunks), written twice: `.d.ts` is
  // read as ESM (import), `.d.cts` as CommonJS (require)
  ...Object.entries(entries).map(([name, e]) => ({
    input: e.input,
    external: external(Boolean(e.node)),
    plugins: [dts({ tsconfig: tsconfig(Boolean(e.node)) })],
    output: [
      { file: `dist/${name}.d.ts`, format: 'es', plugins: [dropPrivateFields] },
      { file: `dist/${name}.d.cts`, format: 'es', plugins: [dropPrivateFields] },
    ],
  })),
];
