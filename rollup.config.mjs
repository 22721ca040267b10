// One `rollup -c` builds: the ESM entries (shared chunks, unminified: apps minify),
// the UMD files for a <script> tag, and one bundled .d.ts per entry.
import { existsSync } from 'node:fs';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import workerInline, { workerOutput, workerTypescript } from './tools/worker-inline.mjs';

const entries = {
  pushline: 'src/entries/index.ts',
  websocket: 'src/entries/websocket.ts',
  sse: 'src/entries/sse.ts',
  'long-poll': 'src/entries/long-poll.ts',
  'worker-poll': 'src/entries/worker-poll.ts',
};
const input = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));
const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined });

// pushline/server: Node only, built on its own (its own tsconfig, no DOM) so no
// browser bundle can ever pull it in; node builtins and the peer dependencies stay imports
const serverExternal = (id) => id.startsWith('node:') || id === 'ws' || id === 'redis';
const server = [
  {
    input: { server: 'src/entries/server.ts' },
    external: serverExternal,
    plugins: [typescript({ tsconfig: './tsconfig.server.json', declaration: false, outDir: undefined, rootDir: undefined })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].mjs' },
  },
  {
    input: { server: 'src/entries/server.ts' },
    external: serverExternal,
    plugins: [dts({ tsconfig: './tsconfig.server.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
  },
];

export default [
  {
    input,
    plugins: [workerInline(), ts()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
  },
  {
    input: 'src/entries/index.ts',
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
  {
    input,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
  ...(existsSync('src/entries/server.ts') ? server : []),
];
