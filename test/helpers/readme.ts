// The README's TypeScript code blocks, as test/unit/readme.test.ts type-checks them
// and test/browser/readme.test.ts runs them. A block is what a reader copies: it
// may use names the README leaves to the app (`render`, `ChatMessage`); those, and
// only those, are declared here, for the type-checker and for the page.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const README = resolve(import.meta.dirname, '../../README.md');

/** One fenced block. */
export interface Snippet {
  /** 1-based README line of the block's first code line. */
  line: number;
  lang: 'ts' | 'tsx';
  code: string;
  /** False after a `<!-- readme-test: types-only -->` line: type-checked, never run. */
  runnable: boolean;
}

/** Every ```ts / ```tsx block of README.md, in order. */
export function readmeSnippets(text = readFileSync(README, 'utf8')): Snippet[] {
  const lines = text.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|tsx|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`README.md:${i + 1}: unclosed code block`);
    const before = lines.slice(Math.max(0, i - 2), i).join('\n');
    out.push({
      line: start + 1,
      lang: open[1] === 'tsx' ? 'tsx' : 'ts',
      code: lines.slice(start, end).join('\n'),
      runnable: !/<!--\s*readme-test:\s*types-only\s*-->/.test(before),
    });
    i = end;
  }
  return out;
}

/**
 * A block that never imports continues the README's first example: it gets that
 * example's import line, so it is checked and run as a reader would paste it.
 */
export function withImports(snippet: Snippet): { code: string; prefixLines: number } {
  if (/^\s*import\s/m.test(snippet.code)) return { code: snippet.code, prefixLines: 0 };
  const prefix = "import { RealtimeClient } from 'pushline';\n";
  return { code: prefix + snippet.code, prefixLines: 1 };
}

/**
 * What the README leaves to the app: declarations for the type-checker. A name
 * a block uses that is neither here nor pushline's fails the unit test.
 */
export const STUB_TYPES = `
export {};
declare global {
  /** The app's message type in the README's chat example. */
  interface ChatMessage { text: string }
  /** The app's view. */
  function render(message: ChatMessage): void;
  /** The app's reconnect banner. */
  function showBanner(attempt: number, delayMs: number): void;
  /** The app's auth token source. */
  function getToken(): string;
  /** The app reloads its state after a reliable-mode reset. */
  function reloadState(): void;
}
`;

/** The same names for the page: each records its calls in `globalThis.readmeCalls`. */
export const STUB_RUNTIME = `
const calls = (globalThis.readmeCalls = []);
const stub = (name, result) => (...args) => (calls.push({ name, args: JSON.parse(JSON.stringify(args)) }), result);
globalThis.render = stub('render');
globalThis.showBanner = stub('showBanner');
globalThis.getToken = stub('getToken', 'readme-token');
globalThis.reloadState = stub('reloadState');
`;
