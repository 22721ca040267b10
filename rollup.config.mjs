// One `rollup -c` builds: the ESM entries (shared chunks, unminified: apps minify),
// the UMD files for a <script> tag, and one bundled .d.ts per entry.
import { existsSync } from 'node:fs';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import workerInline, { workerOutput, workerTypescript } from './tools/worker-inline.mjs';

const entries = {
  pushline: 'src/index.ts',
  websocket: 'src/websocket.ts',
  sse: 'src/sse.ts',
  'long-poll': 'src/long-poll.ts',
  'worker-poll': 'src/worker-poll.ts',
};
const input = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));
const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined });

export default [
  {
    input,
    plugins: [workerInline(), ts()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
  },
  {
    input: 'src/index.ts',
    plugins: [workerInline(), ts()],
    output: [
      // one file for a <script> tag: the lazily loaded upload chunk is inlined
      { file: 'dist/pushline.umd.js', format: 'umd', name: 'Pushline', inlineDynamicImports: true },
      { file: 'dist/pushline.umd.min.js', format: 'umd', name: 'Pushline', inlineDynamicImports: true, plugins: [terser()], sourcemap: true },
    ],
  },
  // the same worker the bundles inline, as a same-origin script for CSPs without blob: (`workerUrl`)
  {
    input: 'src/poll.worker.ts',
    plugins: [workerTypescript()],
    output: { file: 'dist/poll-worker.js', ...workerOutput },
  },
  {
    input,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
];
