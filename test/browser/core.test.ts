import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, loadModule } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { serveStatic } from '../helpers/static.js';

let server: TestServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const serverCloseCodes: Array<[string, number]> = [];

beforeAll(async () => {
  server = await startServer((req, res) => serveStatic(req, res) || res.writeHead(404).end());
  server.wss.on('connection', (ws, req) => {
    ws.on('message', (data, binary) => ws.send(binary ? data : `echo:${String(data)}`));
    ws.on('close', (code) => serverCloseCodes.push([req.url ?? '', code]));
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.http}/page`);
  await loadModule(page, '/dist/pushline.mjs', 'PushlineESM');
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
});

describe('the built bundles in real Chromium', () => {
  it('UMD from a <script> tag: global Pushline, echo round trip', async () => {
    await page.addScriptTag({ url: '/dist/pushline.umd.min.js' });
    const result = await page.evaluate(async (url) => {
      const P = (globalThis as unknown as { Pushline: typeof import('../../src/entries/index.js') }).Pushline;
      const client = new P.RealtimeClient(url);
      const echoed = await new Promise<string>((resolve) => {
        client.onopen = () => client.send('hi');
        client.onmessage = (e) => resolve(String(e.data));
      });
      const out = { echoed, readyState: client.readyState, transport: client.transport, names: Object.keys(P).sort() };
      client.close();
      return out;
    }, server.ws);
    expect(result.echoed).toBe('echo:hi');
    expect(result.readyState).toBe(1);
    expect(result.transport).toBe('websocket');
    expect(result.names).toEqual(expect.arrayContaining(['RealtimeClient', 'RealtimeError', 'HttpStatusError', 'UploadError']));
  });

  it('ESM by import, relative http URL converted to ws', async () => {
    const result = await page.evaluate(async () => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: typeof import('../../src/entries/index.js') }).PushlineESM;
      const client = new RealtimeClient('/socket', { binaryType: 'arraybuffer' });
      const data = await new Promise<unknown>((resolve) => {
        client.onopen = () => client.send(new Uint8Array([1, 2, 3]));
        client.onmessage = (e) => resolve(e.data);
      });
      client.close();
      return { url: client.url, isBuffer: data instanceof ArrayBuffer, bytes: [...new Uint8Array(data as ArrayBuffer)] };
    });
    expect(result).toEqual({ url: `${server.ws}/socket`, isBuffer: true, bytes: [1, 2, 3] });
  });
});

describe('close() validation against the native WebSocket in the same page', () => {
  // [label, code, reason]: JSON cannot carry NaN/Infinity/undefined, so they are rebuilt in the page
  const cases: Array<[string, unknown, unknown]> = [
    ['none', '$undefined', '$undefined'], ['1000', 1000, '$undefined'], ['3000', 3000, 'ok'], ['4999', 4999, ''],
    ['NaN', '$NaN', '$undefined'], ['null', null, '$undefined'], ['"1000"', '1000', '$undefined'], ['"abc"', 'abc', '$undefined'],
    ['4999.5', 4999.5, '$undefined'], ['66536', 66536, '$undefined'], ['-64536', -64536, '$undefined'],
    ['Infinity', '$Infinity', '$undefined'], ['1001', 1001, '$undefined'], ['2999', 2999, '$undefined'], ['5000', 5000, '$undefined'],
    ['123 bytes', 1000, 'a'.repeat(123)], ['124 bytes', 1000, 'a'.repeat(124)], ['62 x é', 1000, 'é'.repeat(62)],
    ['41 lone', 1000, '\ud800'.repeat(41)], ['42 lone', 1000, '\ud800'.repeat(42)], ['bad code + long reason', 1001, 'a'.repeat(200)],
    // Chromium deviates from the standard on these; pushline follows the standard
    ['999.5', 999.5, '$undefined'], ['4999.5 ', 4999.5, 'x'], ['reason without code', '$undefined', 'bye'],
  ];
  // label -> [what Chromium throws (truncating instead of [Clamp]'s round-half-even; refusing a bare reason), what the standard says]
  const deviations: Record<string, [string, string]> = {
    '999.5': ['InvalidAccessError/15', 'ok'], // clamps to 1000
    '4999.5': ['ok', 'InvalidAccessError/15'], // clamps to 5000
    '4999.5 ': ['ok', 'InvalidAccessError/15'], // code checked before reason
    'reason without code': ['InvalidAccessError/15', 'ok'], // goes out with 1000
  };

  it('throws exactly what native close() throws, and follows the standard where Chromium does not', async () => {
    const results = await page.evaluate(
      async ({ url, cases }) => {
        const { RealtimeClient } = (globalThis as unknown as { PushlineESM: typeof import('../../src/entries/index.js') }).PushlineESM;
        const revive = (v: unknown): unknown =>
          v === '$undefined' ? undefined : v === '$NaN' ? NaN : v === '$Infinity' ? Infinity : v;
        const outcome = (fn: () => void): string => {
          try {
            fn();
            return 'ok';
          } catch (e) {
            return e instanceof DOMException ? `${e.name}/${e.code}` : `${(e as Error).name}`;
          }
        };
        const out: Record<string, { native: string; ours: string }> = {};
        for (const [label, code, reason] of cases) {
          const args = [revive(code), revive(reason)] as [number, string];
          const nativeWs = new WebSocket(url);
          const native = outcome(() => nativeWs.close(...args));
          nativeWs.close();
          const client = new RealtimeClient(url);
          await new Promise((r) => (client.onopen = r));
          const ours = outcome(() => client.close(...args));
          client.close();
          out[label as string] = { native, ours };
        }
        return out;
      },
      { url: server.ws, cases },
    );
    for (const [label] of cases) {
      const { native, ours } = results[label]!;
      const deviation = deviations[label as string];
      if (deviation) {
        expect([native, ours], label).toEqual(deviation);
      } else {
        expect(ours, label).toBe(native);
      }
    }
    expect(results['124 bytes']!.ours).toBe('SyntaxError/12');
    expect(results['1001']!.ours).toBe('InvalidAccessError/15');
  });

  it('hands the browser only converted values: 999.5 and a bare reason go out as 1000', async () => {
    const errors = await page.evaluate(async (url) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: typeof import('../../src/entries/index.js') }).PushlineESM;
      const uncaught: string[] = [];
      addEventListener('error', (e) => uncaught.push(String(e.message)));
      for (const args of [[999.5], [undefined, 'bye']] as Array<[number?, string?]>) {
        const client = new RealtimeClient(url);
        await new Promise((r) => (client.onopen = r));
        const closed = new Promise((r) => (client.onclose = r));
        client.close(...args);
        await closed;
      }
      return uncaught;
    }, `${server.ws}/converted`);
    expect(errors).toEqual([]);
    await expect.poll(() => serverCloseCodes.filter(([path]) => path === '/converted')).toEqual([['/converted', 1000], ['/converted', 1000]]);
  });
});

describe('browser-only state', () => {
  it('bufferedAmount and CLOSING are the real socket values', async () => {
    const seen = await page.evaluate(async (url) => {
      const { RealtimeClient } = (globalThis as unknown as { PushlineESM: typeof import('../../src/entries/index.js') }).PushlineESM;
      let native!: WebSocket;
      // capture the socket the client creates, to compare with the real thing
      class Spy extends WebSocket {
        constructor(u: string | URL, p?: string | string[]) {
          super(u, p);
          native = this;
        }
      }
      const client = new RealtimeClient(url, { WebSocket: Spy });
      await new Promise((r) => (client.onopen = r));
      client.send('x'.repeat(8 * 1024 * 1024));
      const buffered = { ours: client.bufferedAmount, native: native.bufferedAmount };
      const open = { ours: client.readyState, native: native.readyState };
      client.close();
      const closing = { ours: client.readyState, native: native.readyState };
      await new Promise((r) => (client.onclose = r));
      const closed = { ours: client.readyState, native: native.readyState };
      return { buffered, open, closing, closed };
    }, server.ws);
    expect(seen.buffered.native).toBeGreaterThan(0);
    expect(seen.buffered.ours).toBe(seen.buffered.native);
    expect(seen.open).toEqual({ ours: 1, native: 1 });
    expect(seen.closing).toEqual({ ours: 2, native: 2 });
    expect(seen.closed).toEqual({ ours: 3, native: 3 });
  });
});
