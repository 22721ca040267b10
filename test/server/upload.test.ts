// The upload sink on the hub, spoken to frame by frame: storage by a hash of
// the id, sha256 across resumes and restarts, limits, expiry of partials, and
// sockets that the server really closes (no CLOSE-WAIT).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHub, type Hub, type UploadEvent } from '../../src/entries/server.js';
import { handshake, waitFor } from '../helpers/protocol.js';

const PROTOCOL = 'pushline-upload.v1';
type Msg = { type: string; id?: string; offset?: number; size?: number; sha256?: string; message?: string };

let dir: string;
let hub: Hub;
let port: number;
let serverSockets: Set<Socket>;
let stop: () => Promise<void>;

async function start(upload: Record<string, number> = {}, hubOptions = {}): Promise<void> {
  hub = createHub(hubOptions);
  const server = createServer();
  serverSockets = new Set();
  server.on('connection', (s) => {
    serverSockets.add(s);
    s.on('close', () => serverSockets.delete(s));
  });
  hub.attach(server, { path: '/live', upload: { dir, ...upload } });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  stop = async () => {
    await hub.close();
    server.closeAllConnections();
    for (const s of serverSockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pushline-upload-test-'));
});
afterEach(async () => {
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

/** One upload socket: messages collected, helpers to speak the protocol. */
async function uploader() {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, [PROTOCOL]);
  const msgs: Msg[] = [];
  ws.on('message', (d, binary) => !binary && msgs.push(JSON.parse(String(d)) as Msg));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await once(ws, 'open');
  return {
    ws,
    msgs,
    closed,
    start: async (id: string, size: number, name = 'file.bin') => {
      ws.send(JSON.stringify({ type: 'start', id, name, size, mime: 'application/octet-stream' }));
      return (await waitFor(() => msgs.find((m) => m.type === 'ready' || m.type === 'error')))!;
    },
    /** Sends `data` from `offset` in chunks, waiting for acks to stay within `window` bytes. */
    send: async (data: Buffer, offset: number, chunk = 64 * 1024, until = data.length) => {
      for (let at = offset; at < until; at += chunk) {
        ws.send(data.subarray(at, Math.min(at + chunk, until)));
        await waitFor(() => at + chunk - (msgs.filter((m) => m.type === 'ack').at(-1)?.offset ?? offset) <= 512 * 1024 || ws.readyState !== 1);
      }
    },
    end: async (id: string) => {
      ws.send(JSON.stringify({ type: 'end', id }));
      return (await waitFor(() => msgs.find((m) => m.type === 'done' || m.type === 'error')))!;
    },
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('upload sink', () => {
  it('stores the file under a hash of the id (never the client name), with the right sha256 and metadata', async () => {
    await start();
    const done: UploadEvent[] = [];
    hub.on('upload', (e) => void done.push(e));
    const data = randomBytes(700 * 1024);
    const u = await uploader();
    expect(await u.start('id-1', data.length, '../../etc/passwd\u202e')).toEqual({ type: 'ready', id: 'id-1', offset: 0 });
    await u.send(data, 0);
    expect(await u.end('id-1')).toEqual({ type: 'done', id: 'id-1', size: data.length, sha256: sha(data) });
    // acks arrived as data was stored, and never past the size
    const acks = u.msgs.filter((m) => m.type === 'ack').map((m) => m.offset!);
    expect(acks.length).toBeGreaterThan(1);
    expect(acks.at(-1)).toBe(data.length);
    expect(Math.max(...acks)).toBeLessThanOrEqual(data.length);
    const files = readdirSync(dir).sort();
    expect(files.every((f) => /^[0-9a-f]{40}(\.json)?$/.test(f))).toBe(true);
    expect(done).toHaveLength(1);
    expect(readFileSync(done[0]!.path).equals(data)).toBe(true);
    expect(JSON.parse(readFileSync(`${done[0]!.path}.json`, 'utf8'))).toMatchObject({ id: 'id-1', name: '../../etc/passwd', size: data.length, sha256: sha(data) });
  });

  it('resumes after a dropped socket: ready reports what is held, nothing acknowledged is needed again', async () => {
    await start();
    const data = randomBytes(1024 * 1024 + 17);
    const a = await uploader();
    await a.start('resume-me', data.length);
    await a.send(data, 0, 64 * 1024, 400 * 1024);
    await waitFor(() => a.msgs.filter((m) => m.type === 'ack').at(-1)?.offset === 400 * 1024);
    a.ws.terminate();
    const b = await uploader();
    const ready = await b.start('resume-me', data.length);
    expect(ready.offset).toBe(400 * 1024);
    await b.send(data, ready.offset!);
    expect(await b.end('resume-me')).toMatchObject({ type: 'done', sha256: sha(data), size: data.length });
  });

  it('resumes a partial file left by an earlier process (the hash is rebuilt from the file)', async () => {
    await start();
    const data = randomBytes(600 * 1024);
    const a = await uploader();
    await a.start('restart', data.length);
    await a.send(data, 0, 64 * 1024, 256 * 1024);
    await waitFor(() => a.msgs.filter((m) => m.type === 'ack').at(-1)?.offset === 256 * 1024);
    await stop();
    await start();
    const b = await uploader();
    const ready = await b.start('restart', data.length);
    expect(ready.offset).toBe(256 * 1024);
    await b.send(data, ready.offset!);
    expect((await b.end('restart')).sha256).toBe(sha(data));
  });

  it('a start for an upload that already completed answers its full size, and end repeats the digest', async () => {
    await start();
    const data = randomBytes(1000);
    const a = await uploader();
    await a.start('twice', data.length);
    await a.send(data, 0);
    const first = await a.end('twice');
    const b = await uploader();
    expect((await b.start('twice', data.length)).offset).toBe(data.length);
    expect(await b.end('twice')).toEqual(first);
  });

  it('refuses uploads over maxBytes, chunks over maxChunkBytes, data before start, and more data than declared', async () => {
    await start({ maxBytes: 1000, maxChunkBytes: 512 });
    const tooBig = await uploader();
    expect(await tooBig.start('big', 1001)).toMatchObject({ type: 'error', id: 'big', message: expect.stringMatching(/too large/) });
    const chunk = await uploader();
    await chunk.start('c', 1000);
    chunk.ws.send(Buffer.alloc(513));
    expect(await chunk.closed).toBe(1009);
    const early = await uploader();
    early.ws.send(Buffer.alloc(10));
    await waitFor(() => early.msgs.find((m) => m.type === 'error'));
    const over = await uploader();
    await over.start('over', 10);
    over.ws.send(Buffer.alloc(11));
    expect(await waitFor(() => over.msgs.find((m) => m.type === 'error'))).toMatchObject({ message: 'more data than declared' });
    const bad = await uploader();
    bad.ws.send('{nope');
    expect(await waitFor(() => bad.msgs.find((m) => m.type === 'error'))).toMatchObject({ message: 'bad message' });
  });

  it('abort discards the partial file and closes the socket', async () => {
    await start();
    const u = await uploader();
    await u.start('gone', 100000);
    await u.send(randomBytes(100000), 0, 65536, 65536);
    await waitFor(() => u.msgs.some((m) => m.type === 'ack'));
    u.ws.send(JSON.stringify({ type: 'abort', id: 'gone' }));
    expect(await u.closed).toBe(1000);
    await waitFor(() => readdirSync(dir).length === 0);
    expect((await (await uploader()).start('gone', 100000)).offset).toBe(0);
  });

  it('partial uploads expire after partialTtlMs', async () => {
    await start({ partialTtlMs: 100 });
    const u = await uploader();
    await u.start('expiring', 100000);
    await u.send(randomBytes(100000), 0, 65536, 65536);
    await waitFor(() => u.msgs.some((m) => m.type === 'ack'));
    u.ws.terminate();
    const part = readdirSync(dir).find((f) => f.endsWith('.part'))!;
    expect(part).toBeDefined();
    await waitFor(() => !existsSync(join(dir, part)), 50);
    expect((await (await uploader()).start('expiring', 100000)).offset).toBe(0);
  });

  it('closes upload sockets after done, error and abort, and after a client that vanished while the disk was behind', async () => {
    await start({ ackEveryBytes: 1024 * 1024 });
    const data = randomBytes(2 * 1024 * 1024);
    // done: the server closes; the client here never closes on its own
    const a = await uploader();
    await a.start('cw-done', data.length);
    await a.send(data, 0, 256 * 1024);
    await a.end('cw-done');
    expect(await a.closed).toBe(1000);
    // error
    const b = await uploader();
    b.ws.send(JSON.stringify({ type: 'end', id: 'nothing' }));
    expect(await b.closed).toBe(1000);
    // a burst of chunks and `end` in one go, so the sink pauses the socket for the disk
    // around the last write, then the client disappears at once
    const c = await uploader();
    await c.start('cw-burst', data.length);
    for (let at = 0; at < data.length; at += 256 * 1024) c.ws.send(data.subarray(at, at + 256 * 1024));
    c.ws.send(JSON.stringify({ type: 'end', id: 'cw-burst' }));
    await waitFor(() => c.msgs.find((m) => m.type === 'done'));
    c.ws.terminate();
    // every server-side socket is closed: none left half-closed (CLOSE-WAIT) by a paused read
    await waitFor(() => serverSockets.size === 0);
  });

  it('a handshake without upload configured is refused, and the upload subprotocol is not plain WebSocket', async () => {
    await start();
    const plain = createHub();
    const server = createServer();
    plain.attach(server, { path: '/live' });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const p = (server.address() as AddressInfo).port;
    expect(await handshake(`ws://127.0.0.1:${p}/live`, [PROTOCOL])).toBe(404);
    await plain.close();
    server.close();
  });
});
