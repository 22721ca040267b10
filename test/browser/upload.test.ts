import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadSink, type UploadSink } from '../../demo/server/upload-sink.mjs';
import { launchChromium, loadModule } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;
const HWM = MiB;
const SIZE = 64 * MiB;
/** Throughput rounds per source; raise it (UPLOAD_ROUNDS=10) for a steadier ratio on a busy machine. */
const ROUNDS = Number(process.env['UPLOAD_ROUNDS'] ?? 3);

let server: TestServer;
let sink: UploadSink;
let root: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let cdp: CDPSession;

/** What the page-side helpers installed by `install()` report about one run. */
interface Run {
  ms: number;
  sha256: string;
  /** Largest `bufferedAmount` of the upload socket seen right after every send and on a timer loop. */
  peak: number;
  samples: number;
}
type Source = 'blob' | 'buffer';
interface Helpers {
  /** A Blob of `size` random bytes, built in the page (its bytes live in Blob storage, not the JS heap). */
  makeBlob(size: number): void;
  /** `client.upload()` of the page's Blob (or its bytes as one ArrayBuffer), sampling bufferedAmount when asked. */
  lib(url: string, source: Source, sample: boolean): Promise<Run>;
  /** The baseline: the same protocol and chunks, sent by a bare `ws.send()` loop with no backpressure. */
  raw(url: string, source: Source): Promise<Run>;
  /** SHA-256 of the page's Blob, computed by WebCrypto. */
  digest(): Promise<string>;
}

/** Installs the page-side helpers; they run in Chromium, so everything they use is in the page. */
function install([chunkSize, highWaterMark]: readonly [number, number]): void {
  type Lib = typeof import('../../src/index.js');
  const g = globalThis as unknown as { PushlineESM: Lib; helpers: Helpers; blob: Blob; buffer?: ArrayBuffer | undefined };
  const data = async (source: Source): Promise<Blob | ArrayBuffer> =>
    source === 'blob' ? g.blob : (g.buffer ??= await g.blob.arrayBuffer());
  g.helpers = {
    makeBlob(size) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < size; i += 65536) parts.push(crypto.getRandomValues(new Uint8Array(65536)));
      g.blob = new Blob(parts as BlobPart[]);
      g.buffer = undefined;
    },
    async lib(url, source, sample) {
      const input = await data(source);
      const sockets: WebSocket[] = [];
      // the one window on the upload socket the public API allows: an injected WebSocket
      class Recording extends WebSocket {
        constructor(u: string | URL, p?: string | string[]) {
          super(u, p);
          sockets.push(this);
        }
      }
      let peak = 0;
      let samples = 0;
      const probe = (): void => {
        for (const s of sockets) peak = Math.max(peak, s.bufferedAmount);
        samples++;
      };
      let running = sample;
      const loop = (): void => {
        probe();
        if (running) setTimeout(loop, 0);
      };
      if (sample) loop();
      const client = new g.PushlineESM.RealtimeClient(url, {
        WebSocket: Recording,
        autoConnect: false,
        upload: { chunkSize, highWaterMark },
      });
      const t0 = performance.now();
      const result = await client.upload(input, sample ? { onProgress: probe } : {});
      const ms = performance.now() - t0;
      running = false;
      return { ms, sha256: result.sha256, peak, samples };
    },
    async raw(url, source) {
      const input = await data(source);
      const total = input instanceof Blob ? input.size : input.byteLength;
      const t0 = performance.now();
      const ws = new WebSocket(url, 'pushline-upload.v1');
      const id = crypto.randomUUID();
      let wake: (m: { type: string; sha256: string }) => void = () => {};
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data)) as { type: string; sha256: string };
        if (m.type !== 'ack') wake(m);
      };
      const next = (): Promise<{ type: string; sha256: string }> => new Promise((r) => (wake = r));
      await new Promise((r) => (ws.onopen = r));
      ws.send(JSON.stringify({ type: 'start', id, name: 'raw', size: total, mime: 'application/octet-stream' }));
      await next();
      let peak = 0;
      for (let at = 0; at < total; at += chunkSize) {
        const to = Math.min(at + chunkSize, total);
        ws.send(input instanceof Blob ? await input.slice(at, to).arrayBuffer() : new Uint8Array(input, at, to - at));
        peak = Math.max(peak, ws.bufferedAmount);
      }
      ws.send(JSON.stringify({ type: 'end', id }));
      const done = await next();
      const ms = performance.now() - t0;
      ws.close();
      return { ms, sha256: done.sha256, peak, samples: 0 };
    },
    async digest() {
      const hash = await crypto.subtle.digest('SHA-256', await g.blob.arrayBuffer());
      return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
  };
}

const helpers = <K extends keyof Helpers>(name: K, ...args: Parameters<Helpers[K]>): Promise<Awaited<ReturnType<Helpers[K]>>> =>
  page.evaluate(
    ([n, a]) => (globalThis as unknown as { helpers: Record<string, (...x: unknown[]) => unknown> }).helpers[n]!(...a),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<Helpers[K]>>>;

/**
 * A receiver that stores nothing: it speaks the protocol, counts bytes and acks every
 * 256 KiB, so the throughput it sees is bound by the browser side rather than the disk.
 */
function nullReceiver(ws: import('ws').WebSocket): void {
  let id = '';
  let got = 0;
  let acked = 0;
  ws.on('message', (raw, binary) => {
    const reply = (m: object): void => ws.send(JSON.stringify({ id, ...m }));
    if (binary) {
      got += (raw as Buffer).length;
      if (got - acked >= 256 * 1024) reply({ type: 'ack', offset: (acked = got) });
      return;
    }
    const m = JSON.parse(String(raw)) as { type: string; id: string; size: number };
    if (m.type === 'start') {
      id = m.id;
      reply({ type: 'ready', offset: 0 });
    } else if (m.type === 'end') reply({ type: 'done', size: got, sha256: 'not computed' });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Live JS memory of the page after a full GC: the V8 heap plus ArrayBuffer backing stores (which the heap size leaves out). */
async function retained(): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  return usage.usedSize + (usage.backingStorageSize ?? NaN);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pushline-upload-browser-'));
  sink = createUploadSink({ dir: root, maxBytes: 2 * SIZE });
  server = await startServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  server.wss.on('connection', (ws, req) => (req.url === '/null' ? nullReceiver(ws) : sink.handle(ws)));
  browser = await launchChromium();
  page = await browser.newPage();
  cdp = await browser.newCDPSession(page);
  await page.goto(`${server.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'PushlineESM');
  await page.evaluate(install, [CHUNK, HWM] as const);
  await helpers('makeBlob', SIZE);
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('chunked upload in real Chromium', () => {
  it(`keeps bufferedAmount within highWaterMark + chunkSize and JS memory flat during a ${SIZE / MiB} MiB Blob upload`, async () => {
    const expected = await helpers('digest');
    const before = await retained();
    expect(before).not.toBeNaN(); // this Chromium reports ArrayBuffer backing stores
    let during = before;
    let finished = false;
    const run = helpers('lib', server.ws, 'blob', true).finally(() => (finished = true));
    // sampled from outside the page while it uploads: each sample waits for a CDP round trip and a GC
    while (!finished) during = Math.max(during, await retained());
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

  it('measures throughput against a bare ws.send() loop of the same chunks (reported, not asserted)', async () => {
    const lines: string[] = [];
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
        const mbps = (ms: number): string => ((SIZE / MiB / ms) * 1000).toFixed(0);
        lines.push(
          `${receiver} receiver, ${source}: upload ${best.lib.toFixed(0)} ms (${mbps(best.lib)} MiB/s), raw ${best.raw.toFixed(0)} ms (${mbps(best.raw)} MiB/s), ratio ${(best.raw / best.lib).toFixed(3)}, median paired ratio ${median(paired).toFixed(3)} (raw loop peak bufferedAmount ${(best.rawPeak / MiB).toFixed(0)} MiB)`,
        );
      }
    }
    console.info(`[upload] Chromium throughput vs raw send loop, ${SIZE / MiB} MiB, best of ${ROUNDS}:\n  ${lines.join('\n  ')}`);
  }, 600_000);
});
