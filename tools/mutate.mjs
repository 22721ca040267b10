#!/usr/bin/env node
// `npm run mutate`: flips guards and drops calls in the core, one at a time, and runs
// the tests that should notice. A mutation the tests do not notice "survives": either a
// test is missing, or the line is not needed. Not part of CI (it takes minutes).
//
//   node tools/mutate.mjs            # every mutation
//   node tools/mutate.mjs 3 7        # only those (1-based, as printed)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { MUTATIONS } from './mutations.mjs';

const only = process.argv.slice(2).map(Number);
const chosen = MUTATIONS.map((m, i) => ({ ...m, n: i + 1 })).filter((m) => !only.length || only.includes(m.n));
const originals = new Map();
const restore = () => {
  for (const [file, text] of originals) writeFileSync(file, text);
};
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

let killed = 0;
const survivors = [];
for (const m of chosen) {
  const text = originals.get(m.file) ?? readFileSync(m.file, 'utf8');
  originals.set(m.file, text);
  const at = text.indexOf(m.find);
  if (at < 0 || text.indexOf(m.find, at + 1) >= 0) {
    restore();
    throw new Error(`mutation ${m.n}: '${m.find}' must occur exactly once in ${m.file}`);
  }
  writeFileSync(m.file, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
  let dead = false;
  try {
    // threads, not forks: a mutant that loops forever dies with the runner when the timeout kills it
    execFileSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--pool', 'threads', '--bail', '1', '--reporter', 'dot', ...(m.tests ?? ['test/unit'])], { stdio: 'ignore', timeout: 300000 });
  } catch {
    dead = true;
  } finally {
    writeFileSync(m.file, text);
  }
  if (dead) killed++;
  else survivors.push(m);
  console.log(`${String(m.n).padStart(2)} ${dead ? 'killed  ' : 'SURVIVED'} ${m.file}: ${m.why}`);
}
restore();
const score = (100 * killed) / chosen.length;
console.log(`\n${killed} of ${chosen.length} mutations killed (${score.toFixed(0)}%)`);
for (const m of survivors) console.log(`  survived ${m.n}: ${m.why}`);
process.exit(score >= 90 ? 0 : 1);
