// One `rollup -c` builds: the ESM entries (shared chunks, unminified: apps minify),
// the UMD files for a <script> tag, and one bundled .d.ts per entry.
import { existsSync } from 'node:fs';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

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
    plugins: [ts()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
  },
  {
    input: 'src/index.ts',
    plugins: [ts()],
    output: [
      { file: 'dist/pushline.umd.js', format: 'umd', name: 'Pushline' },
      { file: 'dist/pushline.umd.min.js', format: 'umd', name: 'Pushline', plugins: [terser()], sourcemap: true },
    ],
  },
  {
    input,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
];
