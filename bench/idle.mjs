// Idle cost per open client (SPEC/issue 14): JS heap bytes per client after a
// forced GC, 1,000 clients over a fake WebSocket (Chromium allows 255 real ones per
// page) with the fake's own cost subtracted, with and without heartbeat; the same
// over 200 real sockets against bare WebSockets; pending timers per client (the
// timer globals wrapped in the page) right after open and once idle, and timer
// wake-ups per second. With `breakdown`, two CDP heap snapshots (1,000 fakes alone;
// 1,000 clients over fakes) are diffed by object kind: what one idle client is made of.
// Object kinds are named by their source (src/file.ts:line) through the min UMD's source map.
//
//   node bench/idle.mjs [--n=1000] [--real=200] [--breakdown]
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { cliArgs } from './browser.mjs';
import { runPage, startHost } from './chromium.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const FLAGS = ['--js-flags=--expose-gc', '--enable-precise-memory-info'];

/**
 * Where a heap node came from, as `src/file.ts:line` through the min UMD's source
 * map: closures by where the function is defined (snapshot locations), other
 * objects by the innermost frame of their allocation stack (allocation tracking).
 */
function sites(snap) {
  const map = new SourceMap(JSON.parse(readFileSync(join(ROOT, 'dist/pushline.umd.min.js.map'), 'utf8')));
  const meta = snap.snapshot.meta;
  const scripts = new Map();
  const infos = [];
  const fw = meta.trace_function_info_fields?.length ?? 0;
  const f = snap.trace_function_infos ?? [];
  const [fn, fs, fi, fl, fc] = ['name', 'script_name', 'script_id', 'line', 'column'].map((k) => meta.trace_function_info_fields.indexOf(k));
  for (let i = 0; i < f.length; i += fw) {
    const [name, scriptName, scriptId, line, column] = [f[i + fn], f[i + fs], f[i + fi], f[i + fl], f[i + fc]];
    scripts.set(scriptId, snap.strings[scriptName]);
    infos.push({ name: snap.strings[name], script: snap.strings[scriptName], line, column });
  }
  const where = (script, line, column) => {
    if (!/pushline\.umd\.min\.js/.test(script ?? '')) return script ? `${script.replace(/^.*\//, '')}:${line}` : '?';
    const e = map.findEntry(line, column);
    return e?.originalSource ? `${relative(ROOT, fileURLToPath(new URL(e.originalSource, pathToFileURL(join(ROOT, 'dist/')))))}:${e.originalLine + 1}` : 'pushline.umd.min.js';
  };
  // trace tree node id -> its function info (the innermost frame of that stack)
  const traceFn = new Map();
  const tw = meta.trace_node_fields?.length ?? 0;
  const walk = (arr) => {
    for (let i = 0; i < arr.length; i += tw) {
      traceFn.set(arr[i], infos[arr[i + 1]]);
      walk(arr[i + 4]);
    }
  };
  if (snap.trace_tree) walk(snap.trace_tree);
  const closures = new Map();
  const lf = meta.location_fields ?? [];
  const [lo, ls, ll, lc] = ['object_index', 'script_id', 'line', 'column'].map((k) => lf.indexOf(k));
  const loc = snap.locations ?? [];
  for (let i = 0; i < loc.length; i += lf.length) closures.set(loc[i + lo], where(scripts.get(loc[i + ls]), loc[i + ll], loc[i + lc]));
  return {
    closure: (nodeIndex) => closures.get(nodeIndex),
    allocated: (traceId) => {
      const fn = traceFn.get(traceId);
      return fn && fn.name !== '(root)' ? `${fn.name || '(anonymous)'} ${where(fn.script, fn.line - 1, fn.column - 1)}` : undefined;
    },
  };
}

/** Self size and count per (node type, name, where it came from) of a V8 heap snapshot. */
function aggregate(snap) {
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const iTrace = fields.indexOf('trace_node_id');
  const typeNames = types[iType];
  const site = sites(snap);
  const by = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + iType]];
    let name = /string|number/.test(type) ? `(${type})` : String(snap.strings[nodes[i + iName]]).replace(/\s+/g, ' ').slice(0, 50);
    const from = type === 'closure' ? site.closure(i) : site.allocated(nodes[i + iTrace]);
    if (type === 'closure') name ||= '(anonymous)';
    for (const key of [`kind ${type}: ${name}`, `site ${from ?? '(no JS allocation site: native or internal)'}`]) {
      const e = by.get(key) ?? { count: 0, bytes: 0 };
      e.count++;
      e.bytes += nodes[i + iSize];
      by.set(key, e);
    }
  }
  return by;
}

async function takeSnapshot(cdp) {
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return aggregate(JSON.parse(chunks.join('')));
}

/** Per client: the object kinds that `after` has more of than `before`. */
function diff(before, after, n) {
  const rows = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / n;
    const count = (a.count - b.count) / n;
    if (Math.abs(bytes) >= 1 || Math.abs(count) >= 0.5) rows.push({ what: key, count, bytes });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  return rows;
}

export async function idle({ n = 1000, real = 200, breakdown = false, mode = 'devtools' } = {}) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let cdp;
  let tracking;
  const ready = new Promise((r) => (tracking = r));
  const snaps = {};
  const host = await startHost({
    handle(req, res, url) {
      if (url.pathname === '/ready') return ready.then(() => res.end('ok')), true;
      if (url.pathname !== '/snapshot') return false;
      takeSnapshot(cdp).then((s) => {
        snaps[url.searchParams.get('label')] = s;
        res.end('ok');
      });
      return true;
    },
    upgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  });
  try {
    const r = await runPage(host, {
      mode: breakdown ? 'devtools' : mode,
      module: 'idle.js',
      args: FLAGS,
      params: { n, real: breakdown ? 0 : real, url: `${host.base.replace('http', 'ws')}/idle`, snapshots: breakdown },
      timeoutMs: 300000,
      onPage: async (_page, session) => {
        cdp = session;
        // allocation stacks for the breakdown (the headline figures come from a run without tracking)
        if (breakdown) {
          await cdp.send('HeapProfiler.enable');
          await cdp.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
        }
        tracking();
      },
    });
    if (breakdown) {
      const d = diff(snaps.fakes, snaps.pushline, n);
      r.breakdown = { byKind: d.filter((x) => x.what.startsWith('kind ')).map((x) => ({ ...x, what: x.what.slice(5) })), bySite: d.filter((x) => x.what.startsWith('site ')).map((x) => ({ ...x, what: x.what.slice(5) })) };
    }
    return r;
  } finally {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await host.close();
  }
}

export function printIdle(r, top = 20) {
  console.log(`fake WebSocket alone: ${r.fakeBytes.toFixed(0)} B each (subtracted)`);
  for (const [name, v] of Object.entries(r.variants)) {
    console.log(`${name.padEnd(15)} ${v.bytesPerClient.toFixed(0).padStart(6)} B heap per idle client; timers per client: ${v.timersPerClientAtOpen.toFixed(3)} at open, ${v.timersPerClientIdle.toFixed(3)} idle (${v.timersIdle} pending for ${r.n}); ${v.wakeupsPerSecond.toFixed(1)} timer wake-ups/s`);
  }
  if (r.realRawBytes !== undefined) console.log(`real sockets (${r.real}): bare WebSocket ${r.realRawBytes.toFixed(0)} B, pushline client ${r.realPushlineBytes.toFixed(0)} B each (JS heap; the network side is not in it)`);
  if (r.breakdown) {
    for (const [label, rows] of [['by object kind', r.breakdown.byKind], ['by allocation site (innermost JS frame; closures: where defined)', r.breakdown.bySite]]) {
      const total = rows.reduce((s, x) => s + x.bytes, 0);
      console.log(`heap snapshot diff per idle client, ${label} (total ${total.toFixed(0)} B, V8 and Blink objects):`);
      for (const x of rows.slice(0, top)) console.log(`  ${x.bytes.toFixed(0).padStart(6)} B  ${x.count.toFixed(2).padStart(6)} x  ${x.what}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  printIdle(await idle({ n: a.n ?? 1000, real: a.real ?? 200, breakdown: Boolean(a.breakdown) }));
}
