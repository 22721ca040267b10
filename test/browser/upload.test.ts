import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK, HWM, MiB, SIZE, startUploadBench, type UploadBench } from '../helpers/upload-page.js';

// Throughput against a bare send loop is measured by `npm run bench`, not here.
let bench: UploadBench;
beforeAll(async () => {
  bench = await startUploadBench();
});
afterAll(async () => {
  await bench?.dispose();
});

describe('chunked upload in real Chromium', () => {
  it(`keeps bufferedAmount within highWaterMark + chunkSize and JS memory flat during a ${SIZE / MiB} MiB Blob upload`, async () => {
    const expected = await bench.call('digest');
    const before = await bench.retained();
    expect(before).not.toBeNaN(); // this Chromium reports ArrayBuffer backing stores
    let during = before;
    let finished = false;
    const run = bench.call('lib', bench.server.ws, 'blob', true).finally(() => (finished = true));
    // sampled from outside the page while it uploads: each sample waits for a CDP round trip and a GC
    while (!finished) during = Math.max(during, await bench.retained());
    const result = await run;
    console.info(
      `[upload] Chromium ${SIZE / MiB} MiB Blob: peak bufferedAmount ${result.peak} B (limit ${HWM + CHUNK}, ${result.samples} samples); ` +
        `retained JS memory ${((during - before) / MiB).toFixed(1)} MiB above the ${(before / MiB).toFixed(1)} MiB baseline`,
    );
    expect(result.sha256).toBe(expected);
    expect(result.samples).toBeGreaterThan(SIZE / CHUNK);
    expect(result.peak).toBeGreaterThan(0);
    expect(result.peak).toBeLessThanOrEqual(HWM + CHUNK);
    // reading the file whole would retain at least SIZE; slice by slice retains a couple of chunks
    expect(during - before).toBeLessThan(SIZE / 4);
  });
});
