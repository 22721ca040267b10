// Where the per-message time goes: the inbound throughput runs of
// bench/browser.mjs (same page, same servers) under the CDP sampling profiler,
// one profile per kind for exactly one run of n messages. Self time is summed per
// function; pushline's functions are named by their source (src/file.ts:line,
// through the min UMD's source map), the browser's own work shows as (program)
// and (garbage collector), native builtins (MessageEvent, dispatchEvent...) by
// name. Printed as microseconds per message, busy time (not idle) per kind, so
// raw and ours compare line by line. DevTools is attached here by necessity, which
// makes every DOM event dearer: read the ratios, and the split, not the absolutes.
//
// Then bench/pages/micro.js prices the building blocks on their own (new
// MessageEvent, dispatchEvent, a direct listener call, clock reads), without and
// with DevTools.
//
//   node bench/profile.mjs [--n=20000] [--interval=50] [--top=12] [--groups=websocket,sse] [--micro (only)]
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GROUPS, cliArgs, startThroughputServers } from './browser.mjs';
import { runPage, startHost } from './chromium.mjs';

const ROOT = resolve(import.meta.dirname, '..');

export const PROFILE_GROUPS = {
  websocket: ['ws raw', 'ws pushline'],
  reliable: ['reliable raw', 'reliable pushline'],
  sse: GROUPS.sse,
};

function namer() {
  const map = new SourceMap(JSON.parse(readFileSync(join(ROOT, 'dist/pushline.umd.min.js.map'), 'utf8')));
  const lines = new Map();
  const srcLine = (file, line) => {
    if (!lines.has(file)) {
      try {
        lines.set(file, readFileSync(join(ROOT, file), 'utf8').split('\n'));
      } catch {
        lines.set(file, []);
      }
    }
    return (lines.get(file)[line - 1] ?? '').trim().slice(0, 70);
  };
  return ({ functionName, url, lineNumber, columnNumber }) => {
    if (!url) return functionName || '(anonymous native)';
    if (url.includes('pushline.umd.min.js')) {
      const e = map.findEntry(lineNumber, columnNumber);
      if (!e?.originalSource) return `pushline ${functionName}`;
      const file = relative(ROOT, fileURLToPath(new URL(e.originalSource, pathToFileURL(join(ROOT, 'dist/')))));
      return `${file}:${e.originalLine + 1}  ${srcLine(file, e.originalLine + 1)}`;
    }
    if (url.includes('/pages/')) return `bench page: ${functionName || '(anonymous)'} (the app's handler, the harness)`;
    return `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}`;
  };
}

/** µs of self time per message, by function, and busy µs per message. */
export function analyse(profile, n, name) {
  const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // a sample stands for the time until the next one
    const dt = timeDeltas[i + 1] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const by = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const frame = nodes.get(id).callFrame;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const label = frame.functionName.startsWith('(') && !frame.url ? frame.functionName : name(frame);
    by.set(label, (by.get(label) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = [...by].map(([what, us]) => ({ what, usPerMsg: us / n, share: us / busy })).sort((a, b) => b.usPerMsg - a.usPerMsg);
  return { busyUsPerMsg: busy / n, wallUsPerMsg: total / n, rows };
}

export async function profile({ n = 20000, intervalUs = 50, groups = PROFILE_GROUPS } = {}) {
  let cdp;
  const profiles = {};
  const srv = await startThroughputServers((req, res, url) => {
    if (url.pathname === '/profile/start') {
      (async () => {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
        await cdp.send('Profiler.start');
        res.end('ok');
      })();
      return true;
    }
    if (url.pathname === '/profile/stop') {
      cdp.send('Profiler.stop').then(({ profile: p }) => {
        profiles[url.searchParams.get('kind')] = { profile: p, ms: Number(url.searchParams.get('ms')) };
        res.end('ok');
      });
      return true;
    }
    return false;
  });
  try {
    await runPage(srv.host, { mode: 'devtools', module: 'throughput.js', params: { groups, n, size: 64, rounds: 2, urls: srv.urls, profile: true }, timeoutMs: 600000, onPage: async (_p, session) => void (cdp = session) });
  } finally {
    await srv.close();
  }
  const name = namer();
  return Object.fromEntries(Object.entries(profiles).map(([kind, { profile: p, ms }]) => [kind, { ms, ...analyse(p, n, name) }]));
}

/** bench/pages/micro.js in `mode`: ns per operation of the per-message building blocks. */
export async function micro({ mode = 'standalone', reps = 100000 } = {}) {
  const host = await startHost();
  try {
    return await runPage(host, { mode, module: 'micro.js', params: { reps }, timeoutMs: 120000 });
  } finally {
    await host.close();
  }
}

export function printMicro(byMode) {
  const modes = Object.keys(byMode);
  console.log(`ns per operation: ${modes.join(' / ')}`);
  for (const [i, x] of byMode[modes[0]].entries()) console.log(`  ${modes.map((m) => byMode[m][i].ns.toFixed(0).padStart(6)).join(' / ')}  ${x.what}`);
}

export function printProfile(r, top = 12) {
  for (const [kind, v] of Object.entries(r)) {
    console.log(`\n${kind}: ${v.busyUsPerMsg.toFixed(2)} µs busy per message (${v.wallUsPerMsg.toFixed(2)} µs wall; run ${v.ms.toFixed(0)} ms under the profiler)`);
    for (const x of v.rows.slice(0, top)) console.log(`  ${x.usPerMsg.toFixed(3).padStart(7)} µs  ${(x.share * 100).toFixed(1).padStart(5)}%  ${x.what}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  const groups = a.groups ? Object.fromEntries(String(a.groups).split(',').map((g) => [g, PROFILE_GROUPS[g]])) : PROFILE_GROUPS;
  if (!a.micro) printProfile(await profile({ n: a.n ?? 20000, intervalUs: a.interval ?? 50, groups }), a.top ?? 12);
  console.log('');
  printMicro({ standalone: await micro({ mode: 'standalone' }), devtools: await micro({ mode: 'devtools' }) });
}
