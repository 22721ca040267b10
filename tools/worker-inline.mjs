// Rollup (and Vite/Vitest) plugin: `import code from './x.worker.ts?worker-inline'`
// builds that entry on its own (TypeScript, IIFE, minified) and exports its code as a
// string, so a Worker can start from a Blob URL without a second file to deploy.
import { dirname, resolve } from 'node:path';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { rollup } from 'rollup';

const SUFFIX = '?worker-inline';
// `\0` marks a virtual module: no other plugin tries to load or transform it
const PREFIX = '\0worker-inline:';

/** Options for the worker build shared with the `dist/poll-worker.js` config, so both are the same code. */
export const workerTypescript = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined});
export const workerOutput = { format: 'iife', plugins: [terser()] };

/** Builds one worker entry to a minified IIFE string. */
export async function buildWorker(file) {
  const bundle = await rollup({ input: file, plugins: [workerTypescript()], onwarn: (w, warn) => warn(w) });
  try {
    const { output } = await bundle.generate(workerOutput);
    return { code: output[0].code, files: bundle.watchFiles };
  } finally {
    await bundle.close();
  }
}

/** The plugin; `enforce: 'pre'` lets it resolve the query before Vite's own resolver. */
export default function workerInline() {
  // one build per worker file per process: several rollup configs import the same worker
  const cache = new Map();
  return {
    name: 'worker-inline',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!source.endsWith(SUFFIX) || !importer) return null;
      return PREFIX + resolve(dirname(importer), source.slice(0, -SUFFIX.length));
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = id.slice(PREFIX.length);
      if (!cache.has(file)) cache.set(file, buildWorker(file));
      const { code, files } = await cache.get(file);
      for (const watched of files) if (!watched.startsWith('\0')) this.addWatchFile(watched);
      return `export default ${JSON.stringify(code)};`;
    },
    watchChange() {
      cache.clear();
    },
  };
}
