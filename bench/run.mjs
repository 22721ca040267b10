// `npm run bench`: builds (via npm), measures, prints one table, writes
// bench/results/bench.json. Each figure: ours, the reference measured in the same
// run, the ratio, and the SPEC §6 budget where there is one. Nothing here asserts;
// a missed budget is printed as MISSED.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { bundleSize, ownSizes } from './size.mjs';
import { stormTable } from './storm.mjs';
import { throughput } from './browser.mjs';
import { standaloneThroughput } from './standalone.mjs';
import { latency } from './latency.mjs';
import { serverBench } from './server.mjs';

const rows = [];
const row = (figure, ours, reference, ratio, budget, met) => rows.push({ figure, ours, reference, ratio, budget, verdict: met === undefined ? '' : met ? 'met' : 'MISSED' });
const kb = (b) => `${(b / 1024).toFixed(2)} KB`;
const section = async (name, fn) => {
  process.stderr.write(`measuring ${name}...\n`);
  try {
    await fn();
  } catch (e) {
    row(name, `failed: ${e.message ?? e}`, '', '', '', false);
  }
};

await section('sizes', async () => {
  const peers = {
    'reconnecting-websocket': `import RWS from 'reconnecting-websocket'; globalThis.c = new RWS('/live');`,
    partysocket: `import { WebSocket } from 'partysocket'; globalThis.c = new WebSocket('/live');`,
    'socket.io-client': `import { io } from 'socket.io-client'; globalThis.c = io('/live');`,
    '@microsoft/fetch-event-source': `import { fetchEventSource } from '@microsoft/fetch-event-source'; globalThis.c = fetchEventSource('/live', {});`,
  };
  const peer = {};
  for (const [name, code] of Object.entries(peers)) peer[name] = (await bundleSize(code)).gzip;
  const refFor = { 'pushline/websocket': 'reconnecting-websocket', 'pushline/sse': '@microsoft/fetch-event-source' };
  for (const r of await ownSizes()) {
    const sub = r.what.match(/pushline\/[a-z-]+/)?.[0];
    const ref = sub && refFor[sub];
    const lazy = r.lazyGzip ? ` (+${kb(r.lazyGzip)} on first upload)` : '';
    row(`size: ${r.what}, min+gzip`, `${kb(r.gzip)}${lazy}`, ref ? `${ref} ${kb(peer[ref])}` : '', ref ? (r.gzip / peer[ref]).toFixed(2) : '', r.budget ? `<= ${kb(r.budget)}` : '', r.budget ? r.gzip <= r.budget : undefined);
  }
  for (const [name, gzip] of Object.entries(peer)) row(`size: app importing ${name}`, '', kb(gzip), '', '');
});

await section('throughput', async () => {
  // the budget is judged as users run pages: no automation protocol attached
  const s = await standaloneThroughput({ runs: 11, n: 20000 });
  for (const [mode, label] of [['in', 'inbound'], ['out', 'outbound']]) {
    const ratio = s[mode].pairedPushline;
    row(`${label} msgs/s, Chromium without automation, vs raw WebSocket (median of 11 paired rounds)`, `${s[mode].pushline}`, `raw ${s[mode].raw}; reconnecting-websocket ${s[mode].rws} (${s[mode].pairedRws.toFixed(3)})`, ratio.toFixed(3), mode === 'in' ? '>= 0.95' : '', mode === 'in' ? ratio >= 0.95 : undefined);
  }
  // the same under Playwright's DevTools session, which makes every event dispatch dearer
  const t = await throughput({ runs: 11, n: 20000 });
  for (const [mode, label] of [['in', 'inbound'], ['out', 'outbound']]) {
    // the budget is judged on the median of per-round ratios (raw and ours measured back to back)
    const ratio = t[mode].pairedPushline;
    row(`${label} msgs/s, Chromium under Playwright (DevTools attached), vs raw WebSocket`, `${t[mode].pushline}`, `raw ${t[mode].raw}; reconnecting-websocket ${t[mode].rws} (${t[mode].pairedRws.toFixed(3)})`, `${ratio.toFixed(3)} (of medians ${(t[mode].pushline / t[mode].raw).toFixed(3)})`, '');
  }
});

await section('upload', async () => {
  execFileSync('npx', ['vitest', 'run', '--config', 'vitest.bench.config.ts'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { results } = JSON.parse(readFileSync('bench/results/upload.json', 'utf8'));
  const limit = 1024 * 1024 + 131072;
  for (const [what, r] of Object.entries(results)) {
    const peakOk = r.peak <= limit;
    row(`upload 64 MiB (${what}) vs raw ws.send() loop`, `${r.libMiBps.toFixed(0)} MiB/s, peak bufferedAmount ${r.peak} B`, `${r.rawMiBps.toFixed(0)} MiB/s, peak ${r.rawPeak} B`, `${r.ratio.toFixed(3)} (median paired ${r.medianRatio.toFixed(3)})`, `>= 0.90, peak <= ${limit}`, r.ratio >= 0.9 && peakOk);
  }
});

await section('latency', async () => {
  const l = await latency();
  const ref = { websocket: 'raw WebSocket', 'sse (native)': 'raw EventSource', 'sse (fetch)': 'raw EventSource', 'long-poll': 'raw EventSource' };
  for (const [kind, refKind] of Object.entries(ref)) {
    row(`latency p50/p99, ${kind}`, `${l[kind].p50.toFixed(2)} / ${l[kind].p99.toFixed(2)} ms`, `${refKind} ${l[refKind].p50.toFixed(2)} / ${l[refKind].p99.toFixed(2)} ms`, (l[kind].p50 / l[refKind].p50).toFixed(2), '');
  }
});

await section('server', async () => {
  // pushline/server: one hub process, 1,000 Node pushline.v1 clients, memoryLog and redisLog
  for (const r of await serverBench()) row(r.figure, r.ours, r.reference, '', '');
});

await section('storm', async () => {
  for (const { downMs, ours, fixed } of await stormTable()) {
    const budget = downMs === 0 ? '<= 15%' : '';
    row(`reconnect storm, 1000 clients, server down ${downMs} ms: peak share in 100 ms`, `${(ours.share * 100).toFixed(1)}%`, `fixed delay ${(fixed.share * 100).toFixed(1)}%`, (ours.share / fixed.share).toFixed(3), budget, downMs === 0 ? ours.share <= 0.15 : undefined);
  }
});

const cols = ['figure', 'ours', 'reference', 'ratio', 'budget', 'verdict'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
const line = (r) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/bench.json', JSON.stringify({ when: new Date().toISOString(), rows }, null, 2));
