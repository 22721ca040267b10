// Bundle size as an app would see it: a tiny app entry bundled with rollup
// (node-resolve), minified with terser, then gzipped (level 9).
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import nodeResolve from '@rollup/plugin-node-resolve';

const ROOT = resolve(import.meta.dirname, '..');

/** Bundles `code` (an app entry), minifies, gzips; returns byte counts. */
export async function bundleSize(code) {
  const bundle = await rollup({
    input: 'app',
    plugins: [
      { name: 'app', resolveId: (id) => (id === 'app' ? id : null), load: (id) => (id === 'app' ? code : null) },
      // `pushline/...` resolves to this package's dist through package.json "exports", as in an app
      { name: 'self', resolveId: (id) => (id === 'pushline' || id.startsWith('pushline/') ? this_resolve(id) : null) },
      nodeResolve({ browser: true, rootDir: ROOT }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ format: { comments: false } })] });
  await bundle.close();
  // up front: the entry and every chunk it imports statically, transitively; the
  // rest is only reached through import() and loads on first use (upload)
  const chunks = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const dep of chunks.get(name).imports) visit(dep);
  };
  visit([...chunks.values()].find((c) => c.isEntry).fileName);
  const sum = (pick, size) => [...chunks.values()].filter(pick).reduce((n, c) => n + size(c.code), 0);
  const gz = (code) => gzipSync(code, { level: 9 }).length;
  const isInitial = (c) => initial.has(c.fileName);
  return { min: sum(isInitial, Buffer.byteLength), gzip: sum(isInitial, gz), lazyGzip: sum((c) => !isInitial(c), gz) };
}

const SUBPATHS = {
  pushline: 'dist/pushline.mjs',
  'pushline/websocket': 'dist/websocket.mjs',
  'pushline/sse': 'dist/sse.mjs',
  'pushline/long-poll': 'dist/long-poll.mjs',
  'pushline/worker-poll': 'dist/worker-poll.mjs',
};
function this_resolve(id) {
  return SUBPATHS[id] ? resolve(ROOT, SUBPATHS[id]) : null;
}

/** The SPEC §6 size figures of our own package. */
export async function ownSizes() {
  const rows = [];
  // the whole ESM file, every export kept
  rows.push({ what: 'dist/pushline.mjs (all exports)', budget: 6.0 * 1024, ...(await bundleSize(`export * from 'pushline';`)) });
  for (const sub of ['websocket', 'sse', 'long-poll', 'worker-poll']) {
    const budget = sub === 'websocket' ? 3.0 * 1024 : undefined;
    try {
      rows.push({ what: `app importing pushline/${sub}`, budget, ...(await bundleSize(`import { RealtimeClient } from 'pushline/${sub}'; globalThis.client = new RealtimeClient('/live');`)) });
    } catch (e) {
      rows.push({ what: `app importing pushline/${sub}`, budget, error: String(e.message ?? e) });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await ownSizes()) {
    const lazy = row.lazyGzip ? ` + ${row.lazyGzip} B gzip loaded on first upload()` : '';
    console.log(`${row.what.padEnd(40)} ${row.error ?? `${row.min} B min, ${row.gzip} B gzip${lazy}${row.budget ? ` (budget ${row.budget} B: ${row.gzip <= row.budget ? 'met' : 'MISSED'})` : ''}`}`);
  }
}
