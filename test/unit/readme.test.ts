// Every TypeScript block of README.md type-checks against the built declarations
// (the .d.ts files rollup.config.mjs writes, built fresh into a scratch package
// here, so a stale dist/ can neither hide nor cause a failure), as a reader's
// strict project with `moduleResolution: bundler` would see it.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeSnippets, STUB_TYPES, withImports } from '../helpers/readme.js';

const ROOT = resolve(import.meta.dirname, '../..');
const snippets = readmeSnippets();
let scratch: string;

/** Writes the declaration bundles of rollup.config.mjs into `dir`. */
async function buildTypes(dir: string): Promise<void> {
  const configs = (await import('../../rollup.config.mjs')).default;
  const outputs = (c: RollupOptions): OutputOptions[] => [c.output ?? []].flat();
  const dts = configs.filter((c) => outputs(c).some((o) => o.file?.endsWith('.d.ts')));
  if (dts.length === 0) throw new Error('rollup.config.mjs builds no .d.ts');
  await Promise.all(
    dts.map(async (config) => {
      const bundle = await rollup({ ...config, onwarn: () => {} });
      try {
        const output = outputs(config).find((o) => o.file?.endsWith('.d.ts'))!;
        await bundle.write({ ...output, file: join(dir, basename(output.file!)) });
      } finally {
        await bundle.close();
      }
    }),
  );
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pushline-readme-types-'));
  const pkg = join(scratch, 'node_modules/pushline');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  await buildTypes(join(pkg, 'dist'));
  // what a React reader has installed, for blocks that import pushline/react
  mkdirSync(join(scratch, 'node_modules/@types'), { recursive: true });
  for (const dep of ['react', '@types/react']) symlinkSync(join(ROOT, 'node_modules', dep), join(scratch, 'node_modules', dep), 'dir');
}, 120000);
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('README.md code blocks', () => {
  it('has TypeScript blocks to check', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it('every ts block type-checks against the built types (strict, moduleResolution bundler)', () => {
    const files = snippets.map((snippet, i) => {
      const file = join(scratch, `readme-${i + 1}.${snippet.lang}`);
      writeFileSync(file, withImports(snippet).code);
      return file;
    });
    const stubs = join(scratch, 'stubs.d.ts');
    writeFileSync(stubs, STUB_TYPES);
    const program = ts.createProgram([...files, stubs], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: false,
      jsx: ts.JsxEmit.ReactJSX,
      types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const index = d.file ? files.indexOf(d.file.fileName) : -1;
      if (index < 0 || d.start === undefined) return `${d.file?.fileName ?? ''}: ${text}`;
      const snippet = snippets[index]!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      const where = `README.md:${snippet.line + line - withImports(snippet).prefixLines}`;
      const hint = d.code === 2304 || d.code === 2552 ? ' (an app-provided name? declare it in STUB_TYPES in test/helpers/readme.ts)' : '';
      return `${where}: TS${d.code} ${text}${hint}`;
    });
    expect(problems).toEqual([]);
  });
});
