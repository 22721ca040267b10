// Inbound messages/s in a Chromium with no automation protocol attached: the
// same page and servers as bench/browser.mjs, the page started from the command
// line and POSTing its timings back. Playwright's DevTools session instruments
// every event dispatch, which is not how users run pages; SPEC §6 asks for both.
//
//   node bench/standalone.mjs [--n=20000] [--rounds=11] [--groups=websocket,sse]
import { GROUPS, cliArgs, printThroughput, throughput } from './browser.mjs';

/** The figures of bench/browser.mjs, without automation. */
export const standaloneThroughput = (opts = {}) => throughput({ ...opts, mode: 'standalone' });

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = cliArgs();
  const groups = a.groups ? Object.fromEntries(String(a.groups).split(',').map((g) => [g, GROUPS[g]])) : GROUPS;
  printThroughput(await standaloneThroughput({ n: a.n ?? 20000, rounds: a.rounds ?? 11, groups }), 'Chromium without automation');
}
