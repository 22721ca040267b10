// The package as a consumer gets it: `npm pack`, then an offline install of the
// tarball into a scratch project, then require/import of every entry against a
// real WebSocket server on 127.0.0.1, and TypeScript (bundler, node16, nodenext,
// node10) type-checking consumer code against the packed declarations.
// Needs a build first: `npm run test:package` does both.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { entries, subpathOf, type Entry } from '../../tools/entries.mjs';
import { CONSUMER_CJS, CONSUMER_ESM, CONSUMER_NODE10, CONSUMER_REACT } from './consumer.js';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
const specifierOf = (name: string, entry: Entry): string => (subpathOf(name, entry) === '.' ? 'pushline' : `pushline/${subpathOf(name, entry).slice(2)}`);
/** Every entry, as apps import it. */
const SPECIFIERS = Object.entries(entries).map(([name, entry]) => specifierOf(name, entry));
/** The browser entries that export a RealtimeClient (not the hooks, not Node-only kits). */
const CLIENT_SPECIFIERS = Object.entries(entries)
  .filter(([name, entry]) => !entry.node && name !== 'react')
  .map(([name, entry]) => specifierOf(name, entry));
/** What the consumer brings itself: the peer dependencies (and react-dom for rendering). */
const PEERS = [...Object.keys(pkg.peerDependencies ?? {}), 'react-dom', '@types/react'];
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const WS = join(ROOT, 'node_modules/ws/index.js');

let scratch: string;
let consumer: string;
let tarball: string;
let http: Server;
let url: string;
const seen: { path: string; said: string[]; closed?: number }[] = [];

const run = (cmd: string, args: string[], cwd = consumer): string => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
};

/** The same without blocking this process: the test's WebSocket server must keep answering. */
const runAsync = async (cmd: string, args: string[], cwd = consumer): Promise<string> => {
  try {
    return (await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
};

beforeAll(async () => {
  for (const file of ['dist/pushline.mjs', 'dist/pushline.cjs', 'dist/pushline.d.ts', 'dist/react.cjs']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run 'npm run build' first (npm run test:package does)`);
  }
  scratch = mkdtempSync(join(tmpdir(), 'pushline-pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], ROOT)) as { filename: string }[];
  tarball = join(scratch, packed[0]!.filename);
  consumer = join(scratch, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // offline, from the tarball alone: the package has no dependencies to fetch
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', join(scratch, 'npm-cache'), tarball]);
  // what the consumer brings itself: the (optional) peer dependencies
  mkdirSync(join(consumer, 'node_modules/@types'), { recursive: true });
  for (const dep of PEERS) symlinkSync(join(ROOT, 'node_modules', dep), join(consumer, 'node_modules', dep), 'dir');

  http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket, req) => {
    const record: (typeof seen)[number] = { path: req.url ?? '', said: [] };
    seen.push(record);
    socket.on('message', (data) => record.said.push(String(data)));
    socket.on('close', (code) => (record.closed = code));
    socket.send('hello');
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => http?.close(done));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * A script for the consumer: `load(specifier)` is `require(...)` or `await import(...)`.
 * Every client entry must export a constructor; `pushline` and `pushline/websocket`
 * connect, take the server's first message, answer it and close.
 */
const consumerScript = (load: (specifier: string) => string): string => `
const { WebSocket } = ${load(JSON.stringify(WS))};
for (const id of ${JSON.stringify(CLIENT_SPECIFIERS)}) {
  const { RealtimeClient } = ${load('id')};
  if (typeof RealtimeClient !== 'function') throw new Error(id + ': RealtimeClient is ' + typeof RealtimeClient);
  new RealtimeClient(${JSON.stringify(url)}, { autoConnect: false }).close(1000);
}
for (const id of ${JSON.stringify(SPECIFIERS)}) {
  if (Object.keys(${load('id')}).length === 0) throw new Error(id + ' exports nothing');
}
if (typeof ${load("'pushline/react'")}.useRealtime !== 'function') throw new Error('pushline/react: no useRealtime');
const out = {};
for (const id of ['pushline', 'pushline/websocket']) {
  const { RealtimeClient } = ${load('id')};
  const client = new RealtimeClient(${JSON.stringify(url)} + '/' + id, { WebSocket, transports: ['websocket'], reconnect: false });
  out[id] = await new Promise((resolve, reject) => {
    let data;
    client.on('message', (event) => {
      data = event.data;
      // sent on the open socket before the closing handshake starts
      client.send('from ' + id);
      client.close(1000);
    });
    client.on('close', ({ willReconnect }) => {
      if (willReconnect) return;
      if (data === undefined) reject(new Error(id + ' closed before a message'));
      else resolve({ data, state: client.state });
    });
  });
}
console.log(JSON.stringify(out));
`;

/** Runs a consumer script; checks what it printed and what the server saw. */
async function expectTwoConnections(script: string): Promise<void> {
  const before = seen.length;
  const out = JSON.parse(await runAsync('node', [script])) as Record<string, { data: string; state: string }>;
  expect(out).toEqual({ pushline: { data: 'hello', state: 'closed' }, 'pushline/websocket': { data: 'hello', state: 'closed' } });
  expect(seen.slice(before).map((c) => [c.path, c.said, c.closed])).toEqual([
    ['/pushline', ['from pushline'], 1000],
    ['/pushline/websocket', ['from pushline/websocket'], 1000],
  ]);
}

describe('the packed tarball', () => {
  it('ships the builds, one self-contained declaration file per entry and module kind, the LICENSE and the CHANGELOG', () => {
    const files = run('tar', ['-tzf', tarball]).split('\n');
    for (const name of Object.keys(entries)) {
      for (const ext of ['.mjs', '.cjs', '.d.ts', '.d.cts']) expect(files).toContain(`package/dist/${name}${ext}`);
    }
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/CHANGELOG.md', 'package/dist/pushline.umd.min.js', 'package/dist/poll-worker.js']));
    const dist = join(consumer, 'node_modules/pushline/dist');
    for (const file of readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))) {
      const types = readFileSync(join(dist, file), 'utf8');
      expect(types, file).not.toMatch(/from '\.\.?\//);
      expect(types, file).not.toMatch(/#private/);
    }
  });

  it('require() gives a working RealtimeClient for every subpath; pushline and pushline/websocket connect to a real server', async () => {
    const script = join(consumer, 'require.cjs');
    writeFileSync(script, `(async () => {${consumerScript((id) => `require(${id})`)}})().catch((e) => { console.error(e); process.exit(1); });`);
    await expectTwoConnections(script);
  });

  it('import gives the same for every entry; the worker script resolves to a file', async () => {
    const script = join(consumer, 'import.mjs');
    const load = (id: string): string => (id.startsWith('"/') ? `(await import(${id})).default` : `(await import(${id}))`);
    writeFileSync(script, `${consumerScript(load)}
const worker = new URL(import.meta.resolve('pushline/poll-worker.js'));
if (!(await import('node:fs')).existsSync(worker)) throw new Error('no worker file at ' + worker);`);
    await expectTwoConnections(script);
  });

  for (const [mode, compilerOptions, files] of [
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['esm.ts', 'react.ts']],
    ['node16', { module: 'node16', moduleResolution: 'node16' }, ['esm.ts', 'require.cts', 'react.ts']],
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, ['esm.ts', 'require.cts', 'react.ts']],
    ['node10 (ES5 target)', { module: 'commonjs', moduleResolution: 'node10', target: 'es5', lib: ['es2018', 'dom'] }, ['node10.ts']],
  ] as const) {
    it(`TypeScript moduleResolution ${mode} type-checks consumer code against the packed types`, () => {
      const dir = join(consumer, `ts-${mode.split(' ')[0]}`);
      mkdirSync(dir, { recursive: true });
      const sources: Record<string, string> = { 'esm.ts': CONSUMER_ESM, 'require.cts': CONSUMER_CJS, 'react.ts': CONSUMER_REACT, 'node10.ts': CONSUMER_NODE10 };
      for (const file of files) writeFileSync(join(dir, file), sources[file]!);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'es2022', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions },
        files,
      }));
      run('node', [TSC, '-p', dir]);
    });
  }

  /** Bundles an app from the consumer project; returns the package files that put bytes into the output. */
  const shipped = async (code: string): Promise<string[]> => {
    const result = await build({
      stdin: { contents: code, resolveDir: consumer, loader: 'js' },
      bundle: true, minify: true, write: false, metafile: true, format: 'esm', platform: 'browser', logLevel: 'silent',
      // React is the app's; here only whether the graph reaches it matters
      external: ['react'],
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const used = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path.replace(/^.*node_modules\/pushline\//, ''));
    return [...used, ...output.imports.map((i) => i.path)].sort();
  };

  it('an app importing pushline does not pull React in; one importing pushline/react does', async () => {
    const plain = await shipped(`import { RealtimeClient } from 'pushline'; globalThis.c = new RealtimeClient('/live');`);
    expect(plain.filter((p) => /react/.test(p))).toEqual([]);
    expect(await shipped(`import { useRealtime } from 'pushline/react'; globalThis.h = useRealtime;`)).toContain('react');
  });

  it('useRealtimeWith(RealtimeClient of pushline/websocket) ships what pushline/websocket ships, plus the hooks', async () => {
    const websocket = await shipped(`import { RealtimeClient } from 'pushline/websocket'; globalThis.c = () => new RealtimeClient('/live');`);
    const hooks = await shipped(`import { useRealtimeWith } from 'pushline/react'; import { RealtimeClient } from 'pushline/websocket'; globalThis.h = () => useRealtimeWith(RealtimeClient, '/live');`);
    expect(hooks.filter((p) => p !== 'dist/react.mjs' && p !== 'react')).toEqual(websocket);
  });

  it('server rendering: useRealtime with a relative URL renders (closed, no socket) and logs nothing', async () => {
    const script = join(consumer, 'ssr.mjs');
    writeFileSync(script, `
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { useRealtime } from 'pushline/react';
function Status() {
  const { state, readyState } = useRealtime('/live', { heartbeat: { intervalMs: 1000 } });
  return createElement('p', null, state + ' ' + readyState);
}
console.log(renderToString(createElement(Status)));
`);
    const { stdout, stderr } = await promisify(execFile)('node', [script], { cwd: consumer, encoding: 'utf8' });
    expect({ stdout: stdout.trim(), stderr }).toEqual({ stdout: '<p>closed 3</p>', stderr: '' });
  });
});
