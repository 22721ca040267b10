#!/usr/bin/env node
// package.json's entry fields, derived from tools/entries.mjs so they cannot drift
// from what rollup builds:
//   node tools/exports.mjs           fails (and prints the expected fields) when package.json differs
//   node tools/exports.mjs --write   rewrites those fields in package.json
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { resolve } from 'node:path';
import { assets, entries, subpathOf } from './entries.mjs';

const PKG = resolve(import.meta.dirname, '../package.json');

/** The fields: `exports` (ESM first, `types` first in each branch), `typesVersions`, `main`/`module`/`types`. */
export function entryFields() {
  const exports = {};
  // node10 resolution (TypeScript's `moduleResolution: node`) ignores `exports`: it
  // finds subpath types through `typesVersions` instead
  const typesVersions = {};
  for (const [name, entry] of Object.entries(entries)) {
    const file = `./dist/${name}`;
    exports[subpathOf(name, entry)] = {
      import: { types: `${file}.d.ts`, default: `${file}.mjs` },
      require: { types: `${file}.d.cts`, default: `${file}.cjs` },
    };
    if (entry.subpath !== '.') typesVersions[subpathOf(name, entry).slice(2)] = [`${file}.d.cts`];
  }
  Object.assign(exports, assets, { './package.json': './package.json' });
  const root = Object.entries(entries).find(([, entry]) => entry.subpath === '.');
  if (!root) throw new Error('tools/entries.mjs: no entry has subpath "."');
  return {
    // `main` is what require() and node10 tools load: the CommonJS build (the UMD
    // `.js` files are for <script> tags and CDNs; Node would load them as ESM here)
    main: `./dist/${root[0]}.cjs`,
    module: `./dist/${root[0]}.mjs`,
    types: `./dist/${root[0]}.d.cts`,
    exports,
    typesVersions: { '*': typesVersions },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename);
if (isMain) {
  const pkg = JSON.parse(readFileSync(PKG, 'utf8'));
  const want = entryFields();
  const stale = Object.keys(want).filter((key) => !isDeepStrictEqual(pkg[key], want[key]));
  if (process.argv.includes('--write')) {
    // keep the key order of the file; new keys go after `types`
    const out = {};
    for (const [key, value] of Object.entries(pkg)) {
      out[key] = key in want ? want[key] : value;
      if (key === 'types') for (const k of Object.keys(want)) if (!(k in pkg)) out[k] = want[k];
    }
    for (const k of Object.keys(want)) if (!(k in out)) out[k] = want[k];
    writeFileSync(PKG, `${JSON.stringify(out, null, 2)}\n`);
    console.log(stale.length ? `package.json: wrote ${stale.join(', ')}` : 'package.json: entry fields already up to date');
  } else if (stale.length) {
    console.error(`package.json: ${stale.join(', ')} differ from tools/entries.mjs; run 'node tools/exports.mjs --write'. Expected:`);
    console.error(JSON.stringify(Object.fromEntries(stale.map((k) => [k, want[k]])), null, 2));
    process.exit(1);
  } else {
    console.log('package.json: exports, typesVersions, main/module/types match tools/entries.mjs');
  }
}
