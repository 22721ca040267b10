import { readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MiB, SIZE, median, startUploadBench, type UploadBench } from '../test/helpers/upload-page.js';

// Upload throughput in real Chromium: client.upload() vs a bare ws.send() loop of the
// same chunks, same page, same server; alternated rounds, best and median-paired ratio.
// Run by `npm run bench` (bench/run.mjs reads bench/results/upload.json). Not part of CI.
const ROUNDS = Number(process.env['UPLOAD_ROUNDS'] ?? 5);

let bench: UploadBench;
beforeAll(async () => {
  bench = await startUploadBench();
});
afterAll(async () => {
  await bench?.dispose();
});

it('upload throughput vs a bare send loop', async () => {
  const { server, root } = bench;
  const helpers = bench.call;
  const results: Record<string, { ratio: number; medianRatio: number; libMiBps: number; rawMiBps: number; peak: number; rawPeak: number }> = {};

  for (const [receiver, url] of [['sink', server.ws], ['null', `${server.ws}/null`]] as const) {
    for (const source of ['buffer', 'blob'] as const) {
      const best = { lib: Infinity, raw: Infinity, rawPeak: 0 };
      const paired: number[] = [];
      // alternate, and keep the best of each, so warm-up and noise hit both alike
      for (let round = 0; round < ROUNDS; round++) {
        const raw = await helpers('raw', url, source);
        const lib = await helpers('lib', url, source, false);
        expect(lib.sha256).toBe(raw.sha256);
        best.raw = Math.min(best.raw, raw.ms);
        best.lib = Math.min(best.lib, lib.ms);
        best.rawPeak = Math.max(best.rawPeak, raw.peak);
        paired.push(raw.ms / lib.ms);
        for (const file of readdirSync(root)) rmSync(join(root, file)); // keep /tmp small between runs
      }
      // one more run, sampling bufferedAmount after every send and on a timer (slower, so not timed)
      const sampled = await helpers('lib', url, source, true);
      for (const file of readdirSync(root)) rmSync(join(root, file));
      const mibps = (ms: number): number => (SIZE / MiB / ms) * 1000;
      results[`${receiver} receiver, ${source}`] = {
        ratio: best.raw / best.lib,
        medianRatio: median(paired),
        libMiBps: mibps(best.lib),
        rawMiBps: mibps(best.raw),
        peak: sampled.peak,
        rawPeak: best.rawPeak,
      };
    }
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/upload.json', JSON.stringify({ sizeBytes: SIZE, rounds: ROUNDS, results }, null, 2));
  console.info(JSON.stringify(results, null, 2));
}, 900_000);
