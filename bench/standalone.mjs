// Messages/s in a Chromium with no automation protocol attached: Playwright's
// DevTools session instruments every event dispatch (a raw socket runs ~2.3x
// slower under it), which is not how users run pages. The page runs the rounds
// itself and POSTs its timings back. Same server and clients as bench/browser.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGS, median, pageRun, startBenchServer } from './browser.mjs';

// the page runs the same rounds as the Playwright harness: pageRun, embedded as source
const page = ({ n, size, runs }) => `<!doctype html>
<script src="/dist/pushline.umd.min.js"></script><script src="/rws.js"></script><script>
const pageRun = ${pageRun};
const url = location.origin.replace('http', 'ws') + '/bench';
(async () => {
  const times = {};
  for (const mode of ['in', 'out']) {
    times[mode] = { raw: [], pushline: [], rws: [] };
    const kinds = Object.keys(times[mode]);
    await pageRun({ kind: 'raw', mode, n: ${n}, size: ${size}, url }); // warm-up
    for (let r = 0; r < ${runs}; r++) {
      for (const kind of kinds.map((_, i) => kinds[(i + r) % kinds.length])) {
        times[mode][kind].push(await pageRun({ kind, mode, n: ${n}, size: ${size}, url }));
      }
    }
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(times) });
})();
</script>`;

/** { in|out: { raw, pushline, rws (msgs/s of the median round), pairedPushline, pairedRws } } */
export async function standaloneThroughput({ n = 20000, size = 64, runs = 11, timeoutMs = 300000 } = {}) {
  let report;
  const got = new Promise((resolve) => (report = resolve));
  const srv = await startBenchServer((req, res) => {
    if (req.url === '/standalone') return res.writeHead(200, { 'content-type': 'text/html' }).end(page({ n, size, runs })), true;
    if (req.url !== '/result') return false;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => (res.end(), report(JSON.parse(body))));
    return true;
  });
  const profile = mkdtempSync(join(tmpdir(), 'pushline-standalone-'));
  const chrome = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [...ARGS, `--user-data-dir=${profile}`, `${srv.url}/standalone`], { stdio: 'ignore' });
  let timer;
  try {
    const times = await Promise.race([got, new Promise((_, fail) => (timer = setTimeout(() => fail(new Error('standalone page timed out')), timeoutMs)))]);
    const out = {};
    for (const [mode, t] of Object.entries(times)) {
      out[mode] = Object.fromEntries(Object.entries(t).map(([k, ms]) => [k, Math.round(n / (median(ms) / 1000))]));
      out[mode].pairedPushline = median(t.raw.map((x, i) => x / t.pushline[i]));
      out[mode].pairedRws = median(t.raw.map((x, i) => x / t.rws[i]));
    }
    return out;
  } finally {
    clearTimeout(timer);
    // the profile can only go once Chromium has stopped writing to it
    const exited = new Promise((resolve) => (chrome.exitCode === null ? chrome.once('exit', resolve) : resolve()));
    chrome.kill();
    await exited;
    rmSync(profile, { recursive: true, force: true });
    srv.wss.close();
    srv.server.closeAllConnections?.();
    srv.server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await standaloneThroughput(), null, 1));
