// Runs one page-side benchmark in real Chromium, either under Playwright (the
// DevTools protocol attached, as in tests) or as a plain Chromium process with no
// automation at all (as users run pages). The page is the same in both modes: it
// loads the built UMD file and a module from bench/pages/, runs `run(params)`, and
// POSTs the result back, so the only difference between the two figures is the
// DevTools session.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Launch flags that work headless as root (TOOLCHAIN.md). */
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Modes a page benchmark runs in. */
export const MODES = { devtools: 'Chromium under Playwright (DevTools attached)', standalone: 'Chromium without automation' };

/** Files the pages may load, by URL path. */
const FILES = {
  '/pushline.umd.min.js': 'dist/pushline.umd.min.js',
  '/pushline.umd.js': 'dist/pushline.umd.js',
  '/rws.js': 'node_modules/reconnecting-websocket/dist/reconnecting-websocket-iife.min.js',
};
/** What a harness page loads before its module: the minified UMD build (global `Pushline`) and reconnecting-websocket. */
const DEFAULT_SCRIPTS = ['/pushline.umd.min.js', '/rws.js'];
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] : NaN;
};
/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the page's `performance.timeOrigin + performance.now()`. */
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * The page host: an HTTP server on 127.0.0.1 serving the harness page, the built
 * files and bench/pages/, collecting results; `handle(req, res)` may serve more
 * (return true when it did), `upgrade(req, socket, head)` takes WebSocket upgrades.
 */
export async function startHost({ handle = () => false, upgrade } = {}) {
  const waiting = new Map();
  let token = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname.startsWith('/result/')) {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(204).end();
        waiting.get(url.pathname.slice(8))?.(JSON.parse(body));
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/log') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (res.writeHead(204).end(), process.env.BENCH_VERBOSE && process.stderr.write(`  page: ${body}\n`)));
      return;
    }
    if (url.pathname === '/clock') return res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(String(wallNow()));
    if (handle(req, res, url)) return;
    const file = FILES[url.pathname] ?? (url.pathname.startsWith('/pages/') && !url.pathname.includes('..') ? `bench${url.pathname}` : undefined);
    if (file) return res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...ISOLATED }).end(readFileSync(join(ROOT, file)));
    if (url.pathname === '/harness') {
      const { module, params, id, scripts } = JSON.parse(url.searchParams.get('p'));
      // cross-origin isolated, so performance.now() has 5 µs resolution instead of 100 µs
      return res.writeHead(200, { 'content-type': 'text/html', ...ISOLATED }).end(`<!doctype html><title>bench</title>
${scripts.map((src) => `<script src="${src}"></script>`).join('')}
<script type="module">
const post = (body) => fetch('/result/${id}', { method: 'POST', body: JSON.stringify(body) });
try {
  const { run } = await import('/pages/${module}');
  await post({ ok: await run(${JSON.stringify(params)}) });
} catch (e) {
  await post({ error: String(e && e.stack || e) });
}
</script>`);
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
  });
  if (upgrade) server.on('upgrade', upgrade);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    server,
    base,
    /** A harness URL that runs `module`'s `run(params)`, and the promise of its result. */
    harness(module, params, scripts = DEFAULT_SCRIPTS) {
      const id = String(++token);
      const result = new Promise((ok) => waiting.set(id, ok));
      return { url: `${base}/harness?p=${encodeURIComponent(JSON.stringify({ module, params, id, scripts }))}`, result };
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A Playwright-driven Chromium (DevTools protocol attached). */
export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'pushline-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs] });
  return {
    context,
    async dispose() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/**
 * Runs `module`'s `run(params)` in a fresh Chromium in `mode` and returns its
 * result. `onPage(page, cdp)` (devtools mode only) may drive the page while it runs.
 */
export async function runPage(host, { mode, module, params, timeoutMs = 300000, args = [], scripts, onPage }) {
  const { url, result } = host.harness(module, params, scripts);
  let timer;
  const timeout = new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${module} timed out after ${timeoutMs / 1000} s (${mode})`)), timeoutMs)));
  if (mode === 'devtools') {
    const browser = await launch(args);
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.on('pageerror', (e) => process.env.BENCH_VERBOSE && process.stderr.write(`  pageerror: ${e.message}\n`));
      await page.goto(url);
      const driven = onPage?.(page, await browser.context.newCDPSession(page));
      const out = await Promise.race([result, timeout]);
      await driven;
      if (out.error) throw new Error(out.error);
      return out.ok;
    } finally {
      clearTimeout(timer);
      await browser.dispose();
    }
  }
  const profile = mkdtempSync(join(tmpdir(), 'pushline-standalone-'));
  // its own process group, so the renderer and helpers it started go with it
  const chrome = spawn(CHROMIUM, [...ARGS, ...args, `--user-data-dir=${profile}`, url], { stdio: 'ignore', detached: true });
  const exited = new Promise((r) => chrome.once('exit', r));
  try {
    const out = await Promise.race([result, timeout, exited.then(() => Promise.reject(new Error('Chromium exited before the page reported')))]);
    if (out.error) throw new Error(out.error);
    return out.ok;
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-chrome.pid, 'SIGTERM');
    } catch {}
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
