// `npm run bench`: builds (via npm), measures everything, prints ONE table
// (figure, ours, reference, ratio, budget, verdict) and writes
// bench/results/bench.json with the rows and every section's raw figures. Each
// figure is ours next to the reference measured in the same run, as a ratio; the
// SPEC §6 budgets (and issue 14's goals, marked so) decide the verdict. A section
// that fails prints a row "failed: ..." and the rest still runs. Nothing here
// asserts; a missed budget is printed as MISSED.
//
//   npm run bench                          the full run (~15 min on 2 quiet cores)
//   npm run bench -- --quick               short everything, for development (~5 min; figures are noisy)
//   npm run bench -- --only=sizes,storm    some sections: sizes storm sse-storm throughput fanout idle latency profile server upload
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from './chromium.mjs';
import { BUDGETS, PEER_OF, allSizes } from './size.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const quick = 'quick' in args;
const only = args.only ? new Set(args.only.split(',')) : undefined;
const MODES = ['devtools', 'standalone'];
const MODE_LABEL = { devtools: 'DevTools attached', standalone: 'no automation' };
/** Budgets of SPEC §6 for the event-stream kinds vs a raw EventSource. */
const SSE_BUDGET = { 'sse native': 0.9, 'sse fetch': 0.85, 'long-poll': 0.8 };

const plan = quick
  ? { stormSeeds: 1, sseClients: 100, n: 10000, rounds: 5, fanoutMs: 15000, fanoutModes: ['standalone'], latencyRuns: 1, latencyN: 100, uploadRounds: 1, profileN: 10000 }
  : { stormSeeds: 3, sseClients: 200, n: 20000, rounds: 11, fanoutMs: 60000, fanoutModes: ['standalone', 'devtools'], latencyRuns: 2, latencyN: 200, uploadRounds: 3, profileN: 20000 };
if (args['fanout-modes']) plan.fanoutModes = args['fanout-modes'].split(',');

const rows = [];
const raw = { plan, started: new Date().toISOString() };
const row = (figure, ours, reference = '', ratio = '', budget = '', met) => rows.push({ figure, ours, reference, ratio, budget, verdict: met === undefined ? '' : met ? 'met' : 'MISSED' });
const kb = (b) => `${(b / 1024).toFixed(2)} KB`;
const pctS = (x) => `${(x * 100).toFixed(1)}%`;
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const ms2 = (x) => `${x.toFixed(2)} ms`;
const r3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const timings = {};

async function section(name, fn) {
  if (only && !only.has(name)) return;
  const t = Date.now();
  process.stderr.write(`measuring ${name}...\n`);
  try {
    await fn();
  } catch (e) {
    row(name, `failed: ${String(e.message ?? e).split('\n')[0]}`, '', '', '', false);
    process.stderr.write(`  ${name} failed: ${e.stack ?? e}\n`);
  }
  timings[name] = (Date.now() - t) / 1000;
  process.stderr.write(`  ${name}: ${timings[name].toFixed(0)} s\n`);
}

await section('sizes', async () => {
  const { ours, peers } = (raw.sizes = await allSizes());
  const lazy = (r) => (r.lazy?.length ? ` (+ lazy: ${r.lazy.map((l) => `${l.what} ${kb(l.gzip)}`).join(', ')})` : '');
  for (const name of ['pushline', 'pushline/websocket', 'pushline/sse', 'pushline/long-poll', 'pushline/worker-poll', 'pushline/react']) {
    const r = ours[name];
    if (r.error) {
      row(`size: app importing ${name}`, `failed: ${r.error}`, '', '', '', false);
      continue;
    }
    const peer = PEER_OF[name];
    const p = peer && peers[peer];
    row(`size: app importing ${name}, up-front gzip -9 (esbuild, Vite 7 target)`, `${kb(r.gzip)}${lazy(r)}`, p ? `${peer} ${kb(p.gzip)}` : '', p ? (r.gzip / p.gzip).toFixed(2) : '', BUDGETS[name] ? `<= ${kb(BUDGETS[name])}` : '', BUDGETS[name] ? r.gzip <= BUDGETS[name] : undefined);
  }
  for (const entry of ['pushline/websocket', 'pushline']) {
    const plain = ours[entry];
    const rel = ours[`${entry}, reliable: true`];
    if (!rel || rel.error) continue;
    const codec = rel.lazy.find((l) => l.what === 'reliable codec');
    row(`size: ${entry} with reliable: true, what it adds`, `+${kb(rel.gzip - plain.gzip)} up front, +${kb(codec?.gzip ?? 0)} reliable codec chunk (loaded before the first socket)`, `${entry} ${kb(plain.gzip)}`, ((rel.gzip + (codec?.gzip ?? 0)) / plain.gzip).toFixed(2), '');
  }
  for (const [name, p] of Object.entries(peers)) row(`size: app importing ${name} (reference)`, '', p.error ? `failed: ${p.error}` : kb(p.gzip));
});

await section('storm', async () => {
  const { stormTable } = await import('./storm.mjs');
  const t = (raw.storm = await stormTable({ seeds: plan.stormSeeds }));
  for (const { downMs, ours, fixed, model, plain } of t) {
    row(`storm: 1000 clients, server down ${downMs / 1000} s, peak share in 100 ms, policy (real state machine, ${plan.stormSeeds} seeds)`, `${pctS(ours.share)} (worst ${pctS(ours.shareMax)}), median back ${sec(ours.medianBackMs)}`, `fixed 1 s: ${pctS(fixed.share)}, back ${sec(fixed.medianBackMs)}`, (ours.share / fixed.share).toFixed(3), '<= 15%', ours.shareMax <= 0.15);
    row(`storm: same, plain full jitter (MODEL: formula copied in bench/storm.mjs)`, `${pctS(plain.share)} (worst ${pctS(plain.shareMax)}), median back ${sec(plain.medianBackMs)}`, `policy in the same model: ${pctS(model.share)}, back ${sec(model.medianBackMs)}`, (plain.share / model.share).toFixed(3), '');
  }
});

await section('sse-storm', async () => {
  const { sseStorm, retryLabel } = await import('./sse-storm.mjs');
  const t = (raw.sseStorm = await sseStorm({ clients: plan.sseClients }));
  const ref = t.find((r) => r.kind === 'raw EventSource');
  for (const r of t) {
    const figure = `native SSE storm: ${r.clients} ${r.kind} clients, server kit ${retryLabel(r.retry)}, restart, back after ${r.downMs / 1000} s: peak share in 100 ms (server-side)`;
    if (r.error) {
      row(figure, `failed: ${r.error}`, '', '', '', false);
      continue;
    }
    const isDefault = Array.isArray(r.retry) && r.kind !== 'raw EventSource';
    row(figure, `${pctS(r.share)}, median first request ${sec(r.medianBackMs)}, ${r.reconnected}/${r.clients} back`, r === ref ? '' : ref && !ref.error ? `raw EventSource, retry: 1000, 0 s: ${pctS(ref.share)}` : '', r === ref || !ref || ref.error ? '' : (r.share / ref.share).toFixed(3), isDefault ? '<= 15% (as SPEC §6 storm)' : '', isDefault ? r.share <= 0.15 : undefined);
  }
});

await section('throughput', async () => {
  const { throughput } = await import('./browser.mjs');
  raw.throughput = {};
  for (const mode of MODES) {
    const t = (raw.throughput[mode] = await throughput({ mode, n: plan.n, rounds: plan.rounds }));
    const ws = t.websocket;
    row(`inbound msgs/s vs raw WebSocket, ${MODE_LABEL[mode]} (median of ${plan.rounds} paired rounds)`, `${ws['ws pushline'].msgsPerS}`, `raw ${ws['ws raw'].msgsPerS}; reconnecting-websocket ${r3(ws['ws reconnecting-websocket'].ratio)}`, r3(ws['ws pushline'].ratio), '>= 0.95', ws['ws pushline'].ratio >= 0.95);
    const rel = t.reliable;
    row(`inbound msgs/s, reliable: true on the server kit vs raw WebSocket on pushline.v1, ${MODE_LABEL[mode]}`, `${rel['reliable pushline'].msgsPerS}`, `raw ${rel['reliable raw'].msgsPerS}; raw + JSON.parse ${r3(rel['reliable raw + JSON.parse'].ratio)}`, r3(rel['reliable pushline'].ratio), '');
    const sse = t.sse;
    for (const [kind, budget] of Object.entries(SSE_BUDGET)) {
      row(`inbound msgs/s, ${kind === 'long-poll' ? 'long-poll' : kind.replace('sse ', 'SSE ')} vs raw EventSource on the same stream, ${MODE_LABEL[mode]}`, `${sse[kind].msgsPerS}`, `raw EventSource ${sse['sse raw EventSource'].msgsPerS}`, r3(sse[kind].ratio), `>= ${budget.toFixed(2)}`, sse[kind].ratio >= budget);
    }
    // the floor of any client: a raw EventSource whose handler also reads lastEventId, origin and type
    const reads = sse['sse raw EventSource + field reads'];
    row(`inbound msgs/s, raw EventSource reading lastEventId, origin and type too (what a client must read), ${MODE_LABEL[mode]}`, `${reads.msgsPerS}`, `raw EventSource ${sse['sse raw EventSource'].msgsPerS}`, r3(reads.ratio), '');
    // what polling itself allows, at the server kit's 500 events per answer: a minimal hand-written loop
    const loop = sse['raw long-poll loop'];
    const lpVsLoop = median(t.sse['long-poll'].rounds.map((x, i) => loop.rounds[i] / x));
    row(`inbound msgs/s, long-poll vs a minimal raw long-poll loop (500 events per answer), ${MODE_LABEL[mode]}`, `${sse['long-poll'].msgsPerS}`, `raw loop ${loop.msgsPerS} (${r3(loop.ratio)} of raw EventSource)`, r3(lpVsLoop), '');
  }
});

await section('fanout', async () => {
  const { fanout, growing } = await import('./fanout.mjs');
  raw.fanout = {};
  for (const mode of plan.fanoutModes) {
    const { bare, pushline } = (raw.fanout[mode] = await fanout({ mode, durationMs: plan.fanoutMs }));
    const d = (x) => `avg ${x.avg.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, first/last 10 s avg ${x.first10.toFixed(1)}/${x.last10.toFixed(1)} ms${x.settledAfterMs > 1000 ? `, backlog drained ${sec(x.settledAfterMs)} after the end` : ''}${x.delivered < x.expected ? `, ${x.expected - x.delivered} late/lost` : ''}`;
    const ratio = pushline.avg / bare.avg;
    row(`200 clients x 50 msgs/s for ${plan.fanoutMs / 1000} s over WebSocket, delivery latency, ${MODE_LABEL[mode]}`, `${d(pushline)}${growing(pushline) ? ' GROWING' : ''}`, `bare WebSocket: ${d(bare)}`, `avg ${ratio.toFixed(2)}x, p99 ${(pushline.p99 / bare.p99).toFixed(2)}x`, '<= 1.2x, not growing', ratio <= 1.2 && !growing(pushline));
  }
});

await section('idle', async () => {
  const { idle } = await import('./idle.mjs');
  const r = (raw.idle = await idle({ n: 1000, real: 200 }));
  const a = r.variants['no heartbeat'];
  const b = r.variants['heartbeat 30 s'];
  row('idle JS heap per open client, 1000 clients (fake socket subtracted), no heartbeat', `${a.bytesPerClient.toFixed(0)} B`, `bare WebSocket object: ${r.realRawBytes?.toFixed(0) ?? '?'} B`, '', '<= 1 KB (issue 14)', a.bytesPerClient <= 1024);
  row('idle JS heap per open client, 1000 clients, heartbeat 30 s', `${b.bytesPerClient.toFixed(0)} B`, '', '', '<= 1 KB (issue 14)', b.bytesPerClient <= 1024);
  if (r.realPushlineBytes !== undefined) row('idle JS heap per client over a real WebSocket, 200 clients', `${r.realPushlineBytes.toFixed(0)} B`, `bare WebSocket ${r.realRawBytes.toFixed(0)} B`, (r.realPushlineBytes / r.realRawBytes).toFixed(1), '');
  row('pending timers per idle open client (1000), no heartbeat / heartbeat 30 s', `${a.timersPerClientIdle.toFixed(3)} / ${b.timersPerClientIdle.toFixed(3)} (${a.timersIdle} / ${b.timersIdle} in the page); ${a.timersPerClientAtOpen.toFixed(2)} each in the first minUptimeMs`, 'bare WebSocket: 0', '', 'one shared timer per page (issue 14)', b.timersIdle <= 1 && a.timersIdle === 0);
  if (!quick) {
    const br = await idle({ n: 1000, breakdown: true });
    raw.idleBreakdown = br.breakdown;
  }
});

await section('latency', async () => {
  const { latency, REFERENCE } = await import('./latency.mjs');
  const r = (raw.latency = await latency({ mode: 'standalone', n: plan.latencyN, runs: plan.latencyRuns }));
  for (const kind of ['websocket', 'sse (native)', 'sse (fetch)', 'long-poll', 'raw long-poll loop']) {
    const ref = REFERENCE[kind];
    row(`latency publish -> receive p50 / p99, ${kind}, server kit, no automation`, `${ms2(r[kind].p50)} / ${ms2(r[kind].p99)}`, `${ref} ${ms2(r[ref].p50)} / ${ms2(r[ref].p99)}`, `p50 ${(r[kind].p50 / r[ref].p50).toFixed(2)}x`, '');
  }
  const lp = r['long-poll'].breakdown;
  const rl = r['raw long-poll loop'].breakdown;
  const own = (b) => b.steps['first chunk -> dispatch (parse + deliver): client'] + b.steps['end of body -> next fetch() call: client'];
  row('long-poll: the client\'s own ms per poll (parse + dispatch, end of body -> next fetch())', `${r3(lp.steps['first chunk -> dispatch (parse + deliver): client'])} + ${r3(lp.steps['end of body -> next fetch() call: client'])} = ${r3(own(lp))}`, `raw loop ${r3(own(rl))}`, (own(lp) / own(rl)).toFixed(2), '');
  row('long-poll: what the latency consists of (p50)', `held poll ${pctS(lp.held.share)} of messages: ${ms2(lp.held.p50)}; between polls ${pctS(lp.between.share)}: ${ms2(lp.between.p50)}`, `browser: answer -> headers ${ms2(lp.steps['answer written -> headers in the page'])}, headers -> body ${ms2(lp.steps['headers -> first body chunk read'])}, fetch() -> server ${ms2(lp.steps['fetch() call -> request at the server'])}`, '', '');
});

await section('profile', async () => {
  const { micro, profile } = await import('./profile.mjs');
  const m = (raw.micro = { standalone: await micro({ mode: 'standalone' }), devtools: await micro({ mode: 'devtools' }) });
  const ns = (what) => m.standalone.find((x) => x.what.startsWith(what))?.ns;
  const nsDev = (what) => m.devtools.find((x) => x.what.startsWith(what))?.ns;
  for (const [what, ref] of [['new MessageEvent(type, { data, lastEventId, origin })', 'a plain object'], ['EventTarget.dispatchEvent(a new MessageEvent)', 'a listener array called directly with a new MessageEvent']]) {
    row(`building block of the message path: ${what}`, `${ns(what)?.toFixed(0)} ns (no automation), ${nsDev(what)?.toFixed(0)} ns (DevTools)`, `${ref}: ${ns(ref)?.toFixed(0)} ns`, (ns(what) / ns(ref)).toFixed(1), '');
  }
  const p = (raw.profile = await profile({ n: plan.profileN }));
  const pairs = [['ws pushline', 'ws raw'], ['reliable pushline', 'reliable raw'], ['sse native', 'sse raw EventSource'], ['sse fetch', 'sse raw EventSource'], ['long-poll', 'raw long-poll loop']];
  for (const [kind, ref] of pairs) {
    if (!p[kind] || !p[ref]) continue;
    const top = p[kind].rows.filter((x) => x.what !== '(program)').slice(0, 3).map((x) => `${x.what.split('  ')[0]} ${x.usPerMsg.toFixed(2)}`).join(', ');
    row(`CPU profile (DevTools attached): busy µs per inbound message, ${kind}`, `${p[kind].busyUsPerMsg.toFixed(2)} µs (top JS: ${top})`, `${ref} ${p[ref].busyUsPerMsg.toFixed(2)} µs`, (p[kind].busyUsPerMsg / p[ref].busyUsPerMsg).toFixed(2), '');
  }
});

await section('server', async () => {
  const { serverBench } = await import('./server.mjs');
  for (const r of (raw.server = await serverBench())) row(r.figure, r.ours, r.reference);
});

await section('upload', async () => {
  execFileSync('npx', ['vitest', 'run', '--config', 'vitest.bench.config.ts'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, UPLOAD_ROUNDS: String(plan.uploadRounds) } });
  const { results } = (raw.upload = JSON.parse(readFileSync(join(ROOT, 'bench/results/upload.json'), 'utf8')));
  const limit = 1024 * 1024 + 131072;
  for (const [what, r] of Object.entries(results)) {
    row(`upload 64 MiB (${what}) vs raw ws.send() loop, Playwright`, `${r.libMiBps.toFixed(0)} MiB/s, peak bufferedAmount ${r.peak} B`, `${r.rawMiBps.toFixed(0)} MiB/s`, `${r3(r.ratio)} (median paired ${r3(r.medianRatio)})`, `>= 0.90, peak <= ${limit}`, r.ratio >= 0.9 && r.peak <= limit);
  }
});

// --- the table ---------------------------------------------------------------------
const cols = ['figure', 'ours', 'reference', 'ratio', 'budget', 'verdict'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
const line = (r) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));

// --- the evidence behind the rows ----------------------------------------------------
if (raw.micro) {
  const { printMicro } = await import('./profile.mjs');
  console.log('\nBuilding blocks of a per-message path, priced alone (bench/pages/micro.js):');
  printMicro(raw.micro);
}
if (raw.profile) {
  const { printProfile } = await import('./profile.mjs');
  console.log('\nWhere the per-message time goes (CPU profile, DevTools attached, self time per message):');
  printProfile(raw.profile, 8);
}
if (raw.latency) {
  const { printLatency } = await import('./latency.mjs');
  console.log('\nLatency, no automation:');
  printLatency(raw.latency);
}
if (raw.idleBreakdown) {
  console.log('\nWhat one idle client is made of (heap snapshot diff, per client):');
  for (const x of raw.idleBreakdown.byKind.slice(0, 12)) console.log(`  ${x.bytes.toFixed(0).padStart(6)} B  ${x.count.toFixed(2).padStart(6)} x  ${x.what}`);
  console.log('  by allocation site:');
  for (const x of raw.idleBreakdown.bySite.slice(0, 12)) console.log(`  ${x.bytes.toFixed(0).padStart(6)} B  ${x.count.toFixed(2).padStart(6)} x  ${x.what}`);
}
console.log(`\nsection times (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; bytes per source file: npm run size -- --why`);

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/bench.json'), JSON.stringify({ when: new Date().toISOString(), quick, timings, rows, raw }, null, 2));
