#!/usr/bin/env node
// npm run docs:check: regenerates the API reference into a scratch directory and
// fails, naming the files, when the committed docs/api/ differs from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const COMMITTED = join(ROOT, 'docs/api');

/** Every file under `dir`, relative to it. */
const files = (dir) => {
  const out = [];
  const walk = (d) => {
    let names;
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
};

const fresh = mkdtempSync(join(tmpdir(), 'pushline-docs-'));
try {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', fresh, '--logLevel', 'Warn'], { cwd: ROOT, stdio: 'inherit' });
  const want = files(fresh);
  const have = files(COMMITTED);
  const missing = want.filter((f) => !have.includes(f));
  const extra = have.filter((f) => !want.includes(f));
  const changed = want.filter((f) => have.includes(f) && !readFileSync(join(fresh, f)).equals(readFileSync(join(COMMITTED, f))));
  if (missing.length || extra.length || changed.length) {
    const list = (label, names) => (names.length ? [`  ${label}: ${names.join(', ')}`] : []);
    console.error(['docs/api/ is stale; run `npm run docs` and commit the result.', ...list('missing', missing), ...list('not generated any more', extra), ...list('changed', changed)].join('\n'));
    process.exit(1);
  }
  console.log(`docs/api/ is up to date (${want.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
