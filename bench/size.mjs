// Bundle sizes as SPEC §6 measures them: a tiny app that imports one entry,
// bundled by esbuild with `--bundle --minify --splitting --format=esm` for Vite 7's
// default browser target, the package resolved through its `exports` map (a temp
// app dir whose node_modules/pushline is a symlink to this repo). Up front = the
// entry chunk and every chunk it imports statically, transitively, each gzipped
// at level 9 on its own and summed; chunks reached only through import() are
// lazy and reported apart, by the module they start from.
//
//   npm run size                        the table (needs `npm run build`)
//   npm run size -- --why [entry...]    bytes per source file (esbuild metafile, built from src/)
//   npm run size -- --json              the rows as JSON
//   npm run size:check                  fails if an entry's up-front gzip grew > 5 % over bench/size-baseline.json
//   npm run size -- --update-baseline   writes bench/size-baseline.json (commit it, saying why it grew)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const BASELINE = join(ROOT, 'bench/size-baseline.json');
/** Vite 7's default `build.target` ('baseline-widely-available'). */
export const VITE_TARGET = ['chrome107', 'edge107', 'firefox104', 'safari16'];
/** Growth over the baseline that fails `size:check`. */
const TOLERANCE = 0.05;
const KB = 1024;

/** SPEC §6 budgets, up-front gzip bytes. */
export const BUDGETS = { pushline: 6.5 * KB, 'pushline/websocket': 4.0 * KB };

const use = (spec, options = '') => `import { RealtimeClient } from '${spec}';\nglobalThis.client = new RealtimeClient('/live'${options});\n`;

/** Our apps: one per entry, plus reliable mode (its WebSocket codec is a lazy chunk). */
export const APPS = {
  pushline: use('pushline'),
  'pushline/websocket': use('pushline/websocket'),
  'pushline/sse': use('pushline/sse'),
  'pushline/long-poll': use('pushline/long-poll'),
  'pushline/worker-poll': use('pushline/worker-poll'),
  // React is the app's own (a peer dependency): external, not counted
  'pushline/react': `import { useRealtime } from 'pushline/react';\nglobalThis.x = useRealtime;\n`,
  'pushline, reliable: true': use('pushline', ', { reliable: true }'),
  'pushline/websocket, reliable: true': use('pushline/websocket', ', { reliable: true }'),
};

/** Peers for reference, each used the way its README shows (devDependencies). */
export const PEERS = {
  'reconnecting-websocket': `import RWS from 'reconnecting-websocket';\nglobalThis.c = new RWS('/live');\n`,
  partysocket: `import { WebSocket } from 'partysocket';\nglobalThis.c = new WebSocket('/live');\n`,
  'socket.io-client': `import { io } from 'socket.io-client';\nglobalThis.c = io('/live');\n`,
  '@microsoft/fetch-event-source': `import { fetchEventSource } from '@microsoft/fetch-event-source';\nglobalThis.c = fetchEventSource('/live', {});\n`,
  eventsource: `import { EventSource } from 'eventsource';\nglobalThis.c = new EventSource('/live');\n`,
};
/** Which peer an entry is compared with in the bench table. */
export const PEER_OF = { 'pushline/websocket': 'reconnecting-websocket', 'pushline/sse': '@microsoft/fetch-event-source', pushline: 'partysocket' };

/** The app's own dependencies, never counted (pushline/react's peer). */
const EXTERNAL = ['react', 'react-dom', 'react/*'];

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** A temp app dir that resolves `pushline` (symlink to this repo) and the peers as an app would. */
function appDir() {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-size-'));
  const nm = join(dir, 'node_modules');
  mkdirSync(join(nm, '@microsoft'), { recursive: true });
  symlinkSync(ROOT, join(nm, 'pushline'), 'dir');
  // the peers and everything they depend on: the repo's node_modules, one link per package
  for (const name of [...Object.keys(PEERS), 'react']) {
    symlinkSync(join(ROOT, 'node_modules', name), join(nm, name), 'dir');
  }
  return dir;
}

const sharedOptions = {
  bundle: true,
  minify: true,
  splitting: true,
  format: 'esm',
  target: VITE_TARGET,
  platform: 'browser',
  write: false,
  metafile: true,
  logLevel: 'silent',
  legalComments: 'none',
  // what Vite defines in a production build (socket.io-client reads it)
  define: { 'process.env.NODE_ENV': '"production"' },
};

/**
 * Bundles `code` (an app entry) in `dir`; returns up-front and lazy gzip bytes,
 * each lazy chunk by the module it starts from, and the metafile.
 */
export async function measure(code, { dir, plugins = [], external = [] } = {}) {
  const own = !dir;
  dir ??= appDir();
  try {
    writeFileSync(join(dir, 'app.js'), code);
    const result = await esbuild.build({ ...sharedOptions, absWorkingDir: dir, entryPoints: ['app.js'], outdir: 'out', plugins, external });
    const outputs = result.metafile.outputs;
    const files = new Map(result.outputFiles.map((f) => [relative(dir, f.path), f.contents]));
    const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint === 'app.js');
    const upFront = new Set();
    const visit = (name) => {
      if (upFront.has(name)) return;
      upFront.add(name);
      for (const i of outputs[name].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(entry);
    const js = Object.keys(outputs).filter((k) => k.endsWith('.js'));
    const sum = (names, f) => names.reduce((n, k) => n + f(files.get(k)), 0);
    const up = js.filter((k) => upFront.has(k));
    const lazyNames = js.filter((k) => !upFront.has(k));
    const lazy = lazyNames.map((k) => ({ chunk: k, from: outputs[k].entryPoint ?? '(shared)', min: files.get(k).length, gzip: gz(files.get(k)) }));
    return {
      min: sum(up, (b) => b.length),
      gzip: sum(up, gz),
      lazyGzip: lazy.reduce((n, c) => n + c.gzip, 0),
      lazy,
      chunks: up.length,
      metafile: result.metafile,
      upFront: up,
    };
  } finally {
    if (own) rmSync(dir, { recursive: true, force: true });
  }
}

/** What a lazy chunk is, for people: 'upload', 'reliable codec', or its file name. */
export const lazyLabel = (from) => (/upload/.test(from) ? 'upload' : /reliable/.test(from) ? 'reliable codec' : basename(from));

/** Every app of ours and every peer, measured in one app dir. */
export async function allSizes({ peers = true } = {}) {
  if (!existsSync(join(ROOT, 'dist/pushline.mjs'))) throw new Error('no dist/: run `npm run build` first');
  const dir = appDir();
  try {
    const ours = {};
    for (const [name, code] of Object.entries(APPS)) {
      try {
        const r = await measure(code, { dir, external: EXTERNAL });
        ours[name] = { min: r.min, gzip: r.gzip, lazyGzip: r.lazyGzip, lazy: r.lazy.map(({ from, gzip }) => ({ what: lazyLabel(from), gzip })) };
      } catch (e) {
        ours[name] = { error: String(e.message ?? e) };
      }
    }
    const theirs = {};
    if (peers) {
      for (const [name, code] of Object.entries(PEERS)) {
        try {
          const r = await measure(code, { dir });
          theirs[name] = { min: r.min, gzip: r.gzip, lazyGzip: r.lazyGzip };
        } catch (e) {
          theirs[name] = { error: String(e.message ?? e) };
        }
      }
    }
    return { ours, peers: theirs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- per-source-file breakdown --------------------------------------------------------
// dist/ has no source maps, so the breakdown bundles the same app from src/ (esbuild
// compiles the TypeScript; the inline worker is built with esbuild too). Its total is
// printed next to the dist figure: the two differ by what rollup/tsc emit differently.

const ENTRY_SRC = {
  pushline: 'src/entries/index.ts',
  websocket: 'src/entries/websocket.ts',
  sse: 'src/entries/sse.ts',
  'long-poll': 'src/entries/long-poll.ts',
  'worker-poll': 'src/entries/worker-poll.ts',
  react: 'src/entries/react.ts',
};

const srcPlugin = {
  name: 'pushline-src',
  setup(build) {
    build.onResolve({ filter: /^pushline(\/.*)?$/ }, (args) => {
      const sub = args.path === 'pushline' ? 'pushline' : args.path.slice('pushline/'.length);
      return ENTRY_SRC[sub] ? { path: join(ROOT, ENTRY_SRC[sub]) } : undefined;
    });
    // `./worker.ts?worker-inline`: the worker built on its own and inlined as a string, as rollup does
    build.onResolve({ filter: /\?worker-inline$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.replace(/\?worker-inline$/, '')), namespace: 'worker-inline' }));
    build.onLoad({ filter: /.*/, namespace: 'worker-inline' }, async (args) => {
      const r = await esbuild.build({ entryPoints: [args.path], bundle: true, minify: true, format: 'iife', target: VITE_TARGET, write: false, logLevel: 'silent' });
      return { contents: `export default ${JSON.stringify(r.outputFiles[0].text)};`, loader: 'js' };
    });
  },
};

/** Bytes per source file of one app, built from src/: up-front and lazy apart. */
export async function breakdown(app) {
  const dir = appDir();
  try {
    // the package's own tsconfig (target, class fields) applies to src/
    const r = await measure(APPS[app], { dir, plugins: [srcPlugin], external: EXTERNAL });
    const rows = [];
    for (const [out, o] of Object.entries(r.metafile.outputs)) {
      if (!out.endsWith('.js')) continue;
      const lazy = !r.upFront.includes(out);
      for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
        if (bytesInOutput > 0) rows.push({ file: relative(ROOT, resolve(dir, input.replace(/^worker-inline:/, ''))).replace(/^\.\.\/.*node_modules\//, ''), bytes: bytesInOutput, lazy, worker: input.startsWith('worker-inline:') });
      }
    }
    rows.sort((a, b) => b.bytes - a.bytes);
    return { app, min: r.min, gzip: r.gzip, lazyGzip: r.lazyGzip, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printBreakdown(b, top) {
  const upRows = b.rows.filter((r) => !r.lazy);
  const upBytes = upRows.reduce((n, r) => n + r.bytes, 0);
  console.log(`\n${b.app} (built from src/: ${b.min} B min, ${b.gzip} B gzip up front; +${b.lazyGzip} B gzip lazy)`);
  console.log(`  ${'bytes'.padStart(6)}  ${'share'.padStart(6)}  ${'~gzip'.padStart(6)}  file`);
  for (const r of upRows.slice(0, top)) {
    // gzip is not additive per file: this is the file's share of the chunk's gzip, by its share of the minified bytes
    const approx = Math.round((r.bytes / upBytes) * b.gzip);
    console.log(`  ${String(r.bytes).padStart(6)}  ${((r.bytes / upBytes) * 100).toFixed(1).padStart(5)}%  ${String(approx).padStart(6)}  ${r.file}${r.worker ? ' (inside the inline worker string)' : ''}`);
  }
  if (upRows.length > top) console.log(`  ... ${upRows.length - top} more files, ${upRows.slice(top).reduce((n, r) => n + r.bytes, 0)} B`);
  const lazyRows = b.rows.filter((r) => r.lazy);
  if (lazyRows.length) console.log(`  lazy: ${lazyRows.map((r) => `${r.file} ${r.bytes}`).join(', ')}`);
}

// --- baseline --------------------------------------------------------------------------

const BASELINE_APPS = ['pushline', 'pushline/websocket', 'pushline/sse', 'pushline/long-poll', 'pushline/worker-poll', 'pushline/react'];

function check(ours) {
  if (!existsSync(BASELINE)) throw new Error(`no ${relative(ROOT, BASELINE)}: run \`npm run size -- --update-baseline\` and commit it`);
  const base = JSON.parse(readFileSync(BASELINE, 'utf8')).upFrontGzip;
  let failed = false;
  for (const app of BASELINE_APPS) {
    const now = ours[app];
    const was = base[app];
    if (now?.error) {
      console.log(`FAIL ${app}: ${now.error}`);
      failed = true;
      continue;
    }
    if (was === undefined) {
      console.log(`new  ${app}: ${now.gzip} B (not in the baseline)`);
      continue;
    }
    const growth = now.gzip / was - 1;
    const bad = growth > TOLERANCE;
    failed ||= bad;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${app.padEnd(22)} ${String(now.gzip).padStart(6)} B up front, baseline ${String(was).padStart(6)} B (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)`);
  }
  if (failed) {
    console.log(`\nAn entry's up-front gzip grew more than ${TOLERANCE * 100} % over ${relative(ROOT, BASELINE)}.`);
    console.log('See where the bytes went: npm run size -- --why');
    console.log('If the growth is deliberate: npm run size -- --update-baseline, and commit bench/size-baseline.json saying why.');
  } else {
    const shrunk = BASELINE_APPS.filter((a) => ours[a]?.gzip < base[a] * (1 - TOLERANCE));
    if (shrunk.length) console.log(`\n${shrunk.join(', ')} shrank more than ${TOLERANCE * 100} %: lock the gain in with npm run size -- --update-baseline`);
  }
  return !failed;
}

const fmt = (r) => (r.error ? `failed: ${r.error}` : `${String(r.gzip).padStart(6)} B gzip up front (${r.min} B min)${r.lazy?.length ? `; lazy: ${r.lazy.map((l) => `${l.what} ${l.gzip} B`).join(', ')}` : r.lazyGzip ? `; lazy ${r.lazyGzip} B` : ''}`);

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === '--why') {
    const names = args.slice(1).filter((a) => !a.startsWith('--'));
    const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 15);
    for (const app of names.length ? names.map((n) => (n === 'pushline' || n.startsWith('pushline/') ? n : `pushline/${n}`)) : ['pushline/websocket', 'pushline']) {
      if (!APPS[app]) throw new Error(`unknown entry ${app}; one of ${Object.keys(APPS).join(', ')}`);
      printBreakdown(await breakdown(app), top);
    }
  } else {
    const checking = args.includes('--check');
    const { ours, peers } = await allSizes({ peers: !checking });
    if (args.includes('--json')) console.log(JSON.stringify({ ours, peers }, null, 2));
    else if (checking) process.exitCode = check(ours) ? 0 : 1;
    else {
      console.log(`esbuild ${esbuild.version} --bundle --minify --splitting --format=esm --target=${VITE_TARGET.join(',')}; gzip -9 per chunk`);
      for (const [name, r] of Object.entries(ours)) console.log(`${name.padEnd(36)} ${fmt(r)}${BUDGETS[name] ? ` (budget ${BUDGETS[name]} B: ${r.gzip <= BUDGETS[name] ? 'met' : 'MISSED'})` : ''}`);
      for (const [name, r] of Object.entries(peers)) console.log(`${name.padEnd(36)} ${fmt(r)}`);
    }
    if (args.includes('--update-baseline')) {
      const upFrontGzip = Object.fromEntries(BASELINE_APPS.map((a) => [a, ours[a].gzip]));
      writeFileSync(BASELINE, `${JSON.stringify({ measured: `esbuild ${esbuild.version}, --bundle --minify --splitting --format=esm, target ${VITE_TARGET.join(',')}, gzip -9 of the up-front chunks`, upFrontGzip }, null, 2)}\n`);
      console.log(`wrote ${relative(ROOT, BASELINE)}`);
    }
  }
}
