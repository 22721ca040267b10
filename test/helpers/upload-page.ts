import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { createUploadSink, type UploadSink } from '../../demo/server/upload-sink.mjs';
import { launchChromium, loadModule } from './chromium.js';
import { startServer, type TestServer } from './servers.js';
import { serveStatic } from './static.js';

// What the Chromium upload test and the upload benchmark share: a page with the
// ESM bundle, a 64 MiB random Blob, page-side upload helpers, the reference sink
// and a receiver that stores nothing.

export const MiB = 1024 * 1024;
export const CHUNK = 128 * 1024;
export const HWM = MiB;
export const SIZE = 64 * MiB;

/** What the page-side helpers installed by `install()` report about one run. */
export interface Run {
  ms: number;
  sha256: string;
  /** Largest `bufferedAmount` of the upload socket seen right after every send and on a timer loop. */
  peak: number;
  samples: number;
}
export type Source = 'blob' | 'buffer';
export interface Helpers {
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
export function install([chunkSize, highWaterMark]: readonly [number, number]): void {
  type Lib = typeof import('../../src/entries/index.js');
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

/** Calls a page-side helper installed by `install()`. */
export type Call = <K extends keyof Helpers>(name: K, ...args: Parameters<Helpers[K]>) => Promise<Awaited<ReturnType<Helpers[K]>>>;

const caller = (page: Page): Call => (name, ...args) =>
  page.evaluate(
    ([n, a]) => (globalThis as unknown as { helpers: Record<string, (...x: unknown[]) => unknown> }).helpers[n]!(...a),
    [name, args] as const,
  ) as never;

/**
 * A receiver that stores nothing: it speaks the protocol, counts bytes and acks every
 * 256 KiB, so the throughput it sees is bound by the browser side rather than the disk.
 */
export function nullReceiver(ws: import('ws').WebSocket): void {
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

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A page ready to upload: sink at `ws`, null receiver at `ws/null`, the Blob made in the page. */
export interface UploadBench {
  server: TestServer;
  sink: UploadSink;
  root: string;
  page: Page;
  call: Call;
  /** Live JS memory of the page after a full GC: the V8 heap plus ArrayBuffer backing stores. */
  retained(): Promise<number>;
  dispose(): Promise<void>;
}

export async function startUploadBench(): Promise<UploadBench> {
  const root = mkdtempSync(join(tmpdir(), 'pushline-upload-browser-'));
  const sink = createUploadSink({ dir: root, maxBytes: 2 * SIZE });
  const server = await startServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  server.wss.on('connection', (ws, req) => (req.url === '/null' ? nullReceiver(ws) : sink.handle(ws)));
  const browser = await launchChromium();
  const page = await browser.newPage();
  const cdp: CDPSession = await browser.newCDPSession(page);
  await page.goto(`${server.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'PushlineESM');
  await page.evaluate(install, [CHUNK, HWM] as const);
  const call = caller(page);
  await call('makeBlob', SIZE);
  return {
    server, sink, root, page, call,
    async retained() {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      return usage.usedSize + (usage.backingStorageSize ?? NaN);
    },
    async dispose() {
      await browser.dispose();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
