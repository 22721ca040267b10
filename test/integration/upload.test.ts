import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, type RawData } from 'ws';
import { createUploadSink, type UploadSink } from '../../demo/server/upload-sink.mjs';
import { RealtimeClient, UploadError, type Options } from '../../src/entries/index.js';
import type { UploadProgress } from '../../src/upload/types.js';
import { startServer, type TestServer } from '../helpers/servers.js';

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;
const HWM = MiB;
const fast = { initialDelayMs: 5, maxDelayMs: 20, jitter: 'none', minUptimeMs: 100000 } as const;

let server: TestServer;
let sink: UploadSink;
let root: string;
/** Every upload socket the client opened, to sample its bufferedAmount. */
let sockets: NodeWebSocket[];

/** Node's `ws` client, recording its instances (it has a real bufferedAmount). */
class RecordingWebSocket extends NodeWebSocket {
  constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args);
    sockets.push(this);
  }
}

function client(options: Options = {}): RealtimeClient {
  return new RealtimeClient(server.ws, {
    WebSocket: RecordingWebSocket as unknown as typeof WebSocket,
    autoConnect: false,
    reconnect: fast,
    upload: { chunkSize: CHUNK, highWaterMark: HWM },
    ...options,
  });
}

const random = (size: number): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) randomFillSync(bytes, i, Math.min(65536, size - i));
  return bytes;
};
const domException = (name: string): DOMException => new DOMException('unreadable', name);
const sha256 = (data: Uint8Array | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Serves uploads with a fresh sink; `tap` sees every server-side socket and message after the sink. */
async function serve(maxBytes?: number, tap?: (ws: NodeWebSocket, data: RawData, binary: boolean) => void): Promise<void> {
  server = await startServer();
  sink = createUploadSink({ dir: join(root, 'uploads'), ...(maxBytes === undefined ? {} : { maxBytes }) });
  server.wss.on('connection', (ws) => {
    sink.handle(ws);
    if (tap) ws.on('message', (data, binary) => tap(ws, data, binary));
  });
}

/** Text messages the server received, parsed. */
const texts: Array<{ type: string; id?: string }> = [];
const record = (_ws: NodeWebSocket, data: RawData, binary: boolean): void => {
  if (!binary) texts.push(JSON.parse(String(data)) as { type: string });
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pushline-upload-test-'));
  sockets = [];
  texts.length = 0;
});

afterEach(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('chunked upload against a real ws server', () => {
  it.each(['Blob', 'ArrayBuffer'] as const)('uploads 32 MiB given as a %s with the same sha256, within highWaterMark', async (kind) => {
    await serve();
    const bytes = random(32 * MiB);
    const data = kind === 'Blob' ? new Blob([bytes]) : bytes.buffer;
    let peak = 0;
    let peakUnacked = 0;
    let last: UploadProgress | undefined;
    const result = await client().upload(data, {
      onProgress: (p) => {
        last = p;
        peakUnacked = Math.max(peakUnacked, p.sent - p.acked);
        for (const s of sockets) peak = Math.max(peak, s.bufferedAmount);
      },
    });
    const expected = sha256(bytes);
    expect(result.sha256).toBe(expected);
    expect(result.size).toBe(bytes.byteLength);
    expect(sha256(readFileSync(sink.pathOf(result.id)))).toBe(expected);
    expect(last).toEqual({ sent: bytes.byteLength, acked: bytes.byteLength, total: bytes.byteLength });
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.protocol).toBe('pushline-upload.v1');
    expect(peak).toBeLessThanOrEqual(HWM + CHUNK);
    // the ack window: data really was in flight, never more than highWaterMark of it
    expect(peakUnacked).toBeGreaterThan(CHUNK);
    expect(peakUnacked).toBeLessThanOrEqual(HWM);
  });

  it('sends only the bytes of an ArrayBufferView, with the given name, type and id', async () => {
    await serve(undefined, record);
    const bytes = random(3 * CHUNK + 17);
    const view = new DataView(bytes.buffer, 5, bytes.byteLength - 10);
    const result = await client().upload(view, { name: 'a.bin', type: 'x/y', id: 'my-id' });
    expect(result).toEqual({ id: 'my-id', size: bytes.byteLength - 10, sha256: sha256(bytes.subarray(5, -5)) });
    expect(texts[0]).toEqual({ type: 'start', id: 'my-id', name: 'a.bin', size: bytes.byteLength - 10, mime: 'x/y' });
    expect(JSON.parse(readFileSync(`${sink.pathOf('my-id')}.json`, 'utf8'))).toMatchObject({ name: 'a.bin', mime: 'x/y' });
  });

  it('defaults name and type from a File, and a random id', async () => {
    await serve(undefined, record);
    const result = await client().upload(new File(['hello'], 'hello.txt', { type: 'text/plain' }));
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(texts[0]).toEqual({ type: 'start', id: result.id, name: 'hello.txt', size: 5, mime: 'text/plain' });
    const blob = await client().upload(new Blob(['x']));
    expect(texts.at(-2)).toEqual({ type: 'start', id: blob.id, name: 'blob', size: 1, mime: 'application/octet-stream' });
  });

  it('uploads an empty Blob', async () => {
    await serve();
    const result = await client().upload(new Blob([]));
    expect(result).toMatchObject({ size: 0, sha256: sha256(new Uint8Array(0)) });
  });

  it('resumes after the connection is killed at random points, resending nothing the server holds', async () => {
    const size = 32 * MiB;
    const drops = 4;
    // random kill points, printed so a failure can be replayed
    const killAt = Array.from({ length: drops }, () => 1 + Math.floor(Math.random() * 6 * MiB));
    let received = 0;
    const perSocket = new WeakMap<NodeWebSocket, number>();
    const readies: number[] = [];
    await serve(undefined, (ws, data, binary) => {
      if (!binary) return;
      const n = (data as Buffer).length;
      received += n;
      perSocket.set(ws, (perSocket.get(ws) ?? 0) + n);
      if (killAt.length && perSocket.get(ws)! >= killAt[0]!) {
        killAt.shift();
        ws.terminate(); // no close frame: what a crash or a dead network looks like
      }
    });
    // what the server answers `ready` with
    server.wss.on('connection', (ws) => {
      const send = ws.send.bind(ws);
      ws.send = ((msg: string) => {
        const m = JSON.parse(msg) as { type: string; offset: number };
        if (m.type === 'ready') readies.push(m.offset);
        send(msg);
      }) as typeof ws.send;
    });
    const kills = [...killAt];
    const bytes = random(size);
    let handed = 0;
    let prev = 0;
    // one retry per drop is enough: progress resets the attempt counter
    const result = await client({ reconnect: { ...fast, maxAttempts: 1 } }).upload(new Blob([bytes]), {
      onProgress: ({ sent }) => {
        if (sent > prev) handed += sent - prev;
        prev = sent;
      },
    });
    expect(result.sha256, `kill points ${kills.join(',')}`).toBe(sha256(bytes));
    expect(sockets).toHaveLength(drops + 1);
    expect(readies).toHaveLength(drops + 1);
    expect(readies[0]).toBe(0);
    for (let i = 1; i < readies.length; i++) expect(readies[i]!).toBeGreaterThan(readies[i - 1]!);
    // bytes the server received twice: the client resumed below what the server held
    const duplicate = received - size;
    // bytes the client handed to send() twice: lost in flight when the socket died
    const resent = handed - size;
    console.info(`[upload] ${drops} drops at ${kills.join(', ')}: server got ${duplicate} duplicate bytes; client re-sent ${resent} bytes (${Math.round(resent / drops)} per drop)`);
    expect(duplicate).toBe(0);
    // at most one highWaterMark per drop: the client never has more unacknowledged
    expect(resent).toBeLessThanOrEqual(drops * HWM);
  });

  it('abandons a silent (half-open) upload socket and resumes on a new one', async () => {
    let frozen = false;
    await serve(undefined, (ws, _data, binary) => {
      // after the first chunk the server keeps reading but never answers again, and never closes
      if (binary && !frozen) {
        frozen = true;
        ws.send = (() => {}) as typeof ws.send;
      }
    });
    const bytes = random(8 * MiB);
    const result = await client({ idleTimeoutMs: 300 }).upload(new Blob([bytes]));
    expect(result.sha256).toBe(sha256(bytes));
    expect(frozen).toBe(true);
    expect(sockets).toHaveLength(2);
  });

  it('resumes from the partial file after the receiving process restarts (sha256 re-computed)', async () => {
    const bytes = random(8 * MiB);
    let got = 0;
    await serve(undefined, (_ws, data, binary) => {
      if (binary && got < 3 * MiB && (got += (data as Buffer).length) >= 3 * MiB) void restart();
    });
    let restarted: Promise<void> | undefined;
    const restart = (): Promise<void> =>
      (restarted = (async () => {
        await server.stop(); // the sink and its in-memory hash are gone with it
        await sink.close(); // what is on disk once the old process is gone
        const fresh = createUploadSink({ dir: sink.dir });
        server.wss.removeAllListeners('connection');
        server.wss.on('connection', (ws) => fresh.handle(ws));
        await server.start();
      })());
    const result = await client({ reconnect: { ...fast, maxAttempts: Infinity } }).upload(bytes.buffer, { id: 'restart' });
    expect(restarted).toBeDefined();
    expect(result.sha256).toBe(sha256(bytes));
    expect(sha256(readFileSync(sink.pathOf('restart')))).toBe(sha256(bytes));
    expect(sockets.length).toBeGreaterThan(1);
  });

  it('aborts through the signal: AbortError, `abort` sent, partial file removed', async () => {
    await serve(undefined, record);
    const controller = new AbortController();
    const promise = client().upload(random(32 * MiB), {
      id: 'to-abort',
      signal: controller.signal,
      onProgress: (p) => p.acked > 0 && controller.abort(),
    });
    await expect(promise).rejects.toSatisfy((e) => e instanceof DOMException && e.name === 'AbortError');
    await expect.poll(() => texts.map((m) => m.type)).toEqual(['start', 'abort']);
    await expect.poll(() => readdirSync(sink.dir)).toEqual([]);
    await expect.poll(() => sockets[0]!.readyState).toBe(NodeWebSocket.CLOSED);
  });

  it('rejects at once when the signal is already aborted, opening no socket', async () => {
    await serve();
    const promise = client().upload(new Blob(['x']), { signal: AbortSignal.abort() });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(sockets).toHaveLength(0);
  });

  it('rejects an oversize upload with an UploadError and does not retry', async () => {
    await serve(MiB);
    const promise = client().upload(new Blob([new Uint8Array(2 * MiB)]));
    const error: unknown = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ type: 'upload', offset: 0, message: expect.stringMatching(/too large/) });
    expect(sockets).toHaveLength(1);
  });

  it("rejects with the acknowledged offset when the server answers `error` mid-upload", async () => {
    server = await startServer();
    server.wss.on('connection', (ws) => {
      let bytes = 0;
      ws.on('message', (data, binary) => {
        const id = texts[0]?.id;
        if (!binary) {
          texts.push(JSON.parse(String(data)) as { type: string; id: string });
          ws.send(JSON.stringify({ type: 'ready', id: texts[0]!.id, offset: 0 }));
        } else if ((bytes += (data as Buffer).length) === 2 * CHUNK) {
          ws.send(JSON.stringify({ type: 'ack', id, offset: bytes }));
          ws.send(JSON.stringify({ type: 'error', id, message: 'disk full' }));
        }
      });
    });
    const error: unknown = await client().upload(new Uint8Array(8 * CHUNK)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ message: 'disk full', offset: 2 * CHUNK });
  });

  it('fails with the read error when a Blob slice cannot be read', async () => {
    await serve();
    class Unreadable extends Blob {
      override slice(): Blob {
        const part = new Blob(['x']);
        part.arrayBuffer = () => Promise.reject(domException('NotReadableError'));
        return part;
      }
    }
    const error: unknown = await client().upload(new Unreadable(['abc'])).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotReadableError' });
    await expect.poll(() => sockets[0]!.readyState).toBe(NodeWebSocket.CLOSED);
  });

  it('gives up after maxAttempts when the server is gone', async () => {
    await serve();
    await server.stop();
    const error: unknown = await client({ reconnect: { ...fast, maxAttempts: 2 } }).upload(new Blob(['x'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(sockets).toHaveLength(3);
  });

  it('keeps hostile names and ids inside the upload directory', async () => {
    await serve();
    const hostile = [
      '../../etc/passwd',
      '/etc/passwd',
      'C:\\Windows\\system32\\evil.dll',
      '..\\..\\evil',
      'x'.repeat(10000),
      'a\u0000b\r\nc\u001b[31md\u202eexe.txt',
      '',
    ];
    const c = client();
    for (const [i, name] of hostile.entries()) {
      const id = i % 2 ? `../../escape-${i}` : `id-${'/'.repeat(i)}${i}`;
      const result = await c.upload(new Blob([name]), { name, id });
      expect(result.sha256).toBe(sha256(Buffer.from(name)));
      const meta = JSON.parse(readFileSync(`${sink.pathOf(id)}.json`, 'utf8')) as { name: string; id: string };
      expect(meta.id).toBe(id);
      expect(meta.name.length).toBeLessThanOrEqual(255);
      expect(meta.name).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    }
    // everything the sink wrote is a plain file directly in its directory, and nothing landed beside it
    expect(readdirSync(root)).toEqual(['uploads']);
    expect(existsSync(join(sink.dir, '../../etc/passwd'))).toBe(false);
    const files = readdirSync(sink.dir);
    expect(files).toHaveLength(hostile.length * 2);
    for (const file of files) {
      expect(file).toMatch(/^[0-9a-f]{40}(\.json)?$/); // named by a hash of the id, never by `name`
      expect(statSync(join(sink.dir, file)).isFile()).toBe(true);
    }
  });

  it('rejects data beyond the declared size (sink)', async () => {
    await serve();
    const ws = new NodeWebSocket(server.ws, 'pushline-upload.v1');
    const replies: Array<{ type: string; message?: string }> = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data)) as { type: string }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'start', id: 'over', name: 'x', size: 10, mime: 'x/y' }));
    await expect.poll(() => replies[0]?.type).toBe('ready');
    ws.send(new Uint8Array(20));
    await expect.poll(() => replies[1]).toMatchObject({ type: 'error', message: expect.stringMatching(/more data/) });
    await expect.poll(() => readdirSync(sink.dir)).toEqual([]);
  });

  it('hands an upload to a newer connection with the same id, from what the older one stored (sink)', async () => {
    await serve();
    const open = async (): Promise<{ ws: NodeWebSocket; replies: Array<{ type: string; offset?: number }> }> => {
      const ws = new NodeWebSocket(server.ws, 'pushline-upload.v1');
      const replies: Array<{ type: string; offset?: number }> = [];
      ws.on('message', (data) => replies.push(JSON.parse(String(data)) as { type: string }));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'start', id: 'twice', name: 'x', size: 30, mime: 'x/y' }));
      await expect.poll(() => replies[0]?.type).toBe('ready');
      return { ws, replies };
    };
    const first = await open();
    first.ws.send(Buffer.from('a'.repeat(10)));
    await expect.poll(() => first.replies.at(-1)).toMatchObject({ type: 'ack', offset: 10 });
    const closed = new Promise((r) => first.ws.once('close', r));
    const second = await open();
    expect(await closed).toBe(4409);
    expect(second.replies[0]).toMatchObject({ type: 'ready', offset: 10 });
    second.ws.send(Buffer.from('b'.repeat(20)));
    second.ws.send(JSON.stringify({ type: 'end', id: 'twice' }));
    await expect.poll(() => second.replies.at(-1)).toMatchObject({ type: 'done', size: 30, sha256: sha256(Buffer.from('a'.repeat(10) + 'b'.repeat(20))) });
    second.ws.close();
  });

  it('refuses a connection without the upload subprotocol (sink)', async () => {
    await serve();
    const ws = new NodeWebSocket(server.ws, 'other');
    const code = await new Promise((r) => ws.once('close', r));
    expect(code).toBe(1002);
  });

  it('runs two uploads at once, each on its own socket', async () => {
    await serve();
    const a = random(8 * MiB);
    const b = random(5 * MiB + 3);
    const c = client();
    const [ra, rb] = await Promise.all([c.upload(new Blob([a])), c.upload(b.buffer)]);
    expect(ra.sha256).toBe(sha256(a));
    expect(rb.sha256).toBe(sha256(b));
    expect(ra.id).not.toBe(rb.id);
    expect(sockets).toHaveLength(2);
  });
});
