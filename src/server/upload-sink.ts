// The receiving side of chunked uploads (subprotocol `pushline-upload.v1`).
//
// Files live under `dir` as `<key>.part` while incomplete, `<key>` when done and
// `<key>.json` (metadata), where `<key>` is a hash of the client's id: nothing
// the client sends ever becomes a path. The SHA-256 is fed as bytes arrive and
// kept across reconnects (after a restart, the partial file is hashed again).
//
// Sockets: a socket paused for disk backpressure reads nothing, not even the
// peer's close, so it would sit in CLOSE-WAIT forever; every way out of an
// upload (done, error, abort, a closed or taken-over socket, a finished write
// stream) therefore resumes it, and the server closes upload sockets itself
// after `done`, `error` and `abort`, terminating them if the peer does not
// answer the close.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawData, WebSocket } from 'ws';
import type { UploadEvent, UploadProgressEvent } from './context.js';
import type { ResolvedUpload } from './options.js';

/** Where uploads are stored, for the app. */
export interface UploadStore {
  /** The upload directory. */
  readonly dir: string;
  /** Where the finished file of upload `id` is (its metadata is at `<path>.json`). */
  pathOf(id: string): string;
}

/** @internal */
export interface UploadSink extends UploadStore {
  handle(ws: WebSocket): void;
  /** Deletes partial uploads idle for longer than `partialTtlMs`; resolves with how many. */
  sweep(): Promise<number>;
  /** Flushes every partial file (they stay, for resuming after a restart) and stops the sweeper. */
  close(): Promise<void>;
}

interface Hooks {
  onDone(event: UploadEvent): void;
  onProgress(event: UploadProgressEvent): void;
  report(error: unknown): void;
}

interface Upload {
  readonly key: string;
  readonly id: string;
  readonly size: number;
  readonly path: string;
  /** Bytes received (hashed and handed to the write stream). */
  got: number;
  /** Bytes the disk confirmed. */
  stored: number;
  acked: number;
  hash: Hash;
  name: string;
  mime: string;
  owner: WebSocket | undefined;
  out: WriteStream | undefined;
  flushed: Promise<void>;
  touchedAt: number;
  /** Set for an id whose file is already complete: `start` answers its size, `end` its digest. */
  done?: { sha256: string };
}

const MAX_ID = 256;
const MAX_META = 255;
/** How long the peer gets to answer the server's close before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000;
// C0, DEL and C1 controls, and bidi overrides that disguise a name on screen
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const clean = (text: unknown, fallback: string): string =>
  typeof text === 'string' ? text.replace(UNSAFE, '').slice(0, MAX_META) || fallback : fallback;

class UploadFailure extends Error {}

async function hashFile(path: string): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const buf of createReadStream(path)) hash.update(buf as Buffer);
  return hash;
}

const send = (ws: WebSocket, message: object): void => {
  if (ws.readyState === 1) ws.send(JSON.stringify(message));
};

/** Closes an upload socket from the server side, reading on so the peer's close (and FIN) is seen. */
function release(ws: WebSocket, code: number, reason = ''): void {
  if (ws.isPaused) ws.resume();
  if (ws.readyState === 0 || ws.readyState === 1) ws.close(code, reason);
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
}

/** @internal */
export function createUploadSink(options: ResolvedUpload, hooks: Hooks): UploadSink {
  const { dir, maxBytes, partialTtlMs, ackEveryBytes } = options;
  mkdirSync(dir, { recursive: true });
  const uploads = new Map<string, Upload>();
  const keyOf = (id: string): string => createHash('sha256').update(id).digest('hex').slice(0, 40);
  const pathOf = (id: string): string => join(dir, keyOf(id));

  /** Stops writing for the current connection; resolves once its bytes are on disk. */
  function detach(u: Upload): Promise<void> {
    const owner = u.owner;
    u.owner = undefined;
    if (owner?.isPaused) owner.resume();
    if (u.out) {
      const out = u.out;
      u.out = undefined;
      u.flushed = new Promise((resolve) => out.end(() => resolve()));
    }
    return u.flushed;
  }

  async function forget(u: Upload): Promise<void> {
    if (uploads.get(u.key) === u) uploads.delete(u.key);
    await detach(u);
    await rm(u.path, { force: true });
  }

  /** A finished file for this id and size, from an earlier connection or process. */
  async function completed(key: string, id: string, size: number): Promise<{ sha256: string } | undefined> {
    try {
      const meta = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as { id?: unknown; size?: unknown; sha256?: unknown };
      return meta.id === id && meta.size === size && typeof meta.sha256 === 'string' ? { sha256: meta.sha256 } : undefined;
    } catch {
      return undefined;
    }
  }

  async function start(ws: WebSocket, m: Record<string, unknown>): Promise<Upload> {
    const id = m['id'];
    const size = m['size'];
    if (typeof id !== 'string' || id === '' || id.length > MAX_ID) throw new UploadFailure('bad id');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new UploadFailure('bad size');
    if (size > maxBytes) throw new UploadFailure(`too large: ${size} > ${maxBytes} bytes`);
    const key = keyOf(id);
    let u = uploads.get(key);
    if (u) {
      // a second live connection for one id: the newer wins, the older is told to stop
      if (u.owner && u.owner !== ws) release(u.owner, 4409, 'taken over');
      await detach(u);
      // the same id with another size is another file: start afresh
      if (u.size !== size) {
        await forget(u);
        u = undefined;
      }
    }
    if (!u) {
      const path = join(dir, `${key}.part`);
      const done = await completed(key, id, size);
      const held = done ? size : await stat(path).then((s) => s.size, () => 0);
      const fresh = !done && (held > size || held === 0);
      if (fresh) await rm(path, { force: true });
      const hash = fresh || done ? createHash('sha256') : await hashFile(path);
      u = { key, id, size, path, got: fresh ? 0 : held, stored: 0, acked: 0, hash, name: '', mime: '', owner: undefined, out: undefined, flushed: Promise.resolve(), touchedAt: Date.now(), ...(done ? { done } : {}) };
      uploads.set(key, u);
    }
    u.name = clean(m['name'], 'blob');
    u.mime = clean(m['mime'], 'application/octet-stream');
    u.owner = ws;
    u.stored = u.got;
    u.acked = u.got;
    u.touchedAt = Date.now();
    if (!u.done) {
      const out = createWriteStream(u.path, { flags: 'a' });
      const current = u;
      out.on('error', (error) => {
        hooks.report(error);
        if (current.owner) fail(current.owner, current, 'write failed');
      });
      // however the stream ends, a socket paused for it reads again
      out.on('close', () => current.owner?.isPaused && current.owner.resume());
      u.out = out;
    }
    return u;
  }

  function fail(ws: WebSocket, u: Upload | undefined, message: string, id: unknown = u?.id): void {
    send(ws, { type: 'error', id, message });
    if (u && u.owner === ws) void forget(u).catch(hooks.report);
    release(ws, 1000);
  }

  function data(ws: WebSocket, u: Upload, buf: Buffer): void {
    if (u.got + buf.length > u.size) return fail(ws, u, 'more data than declared');
    const out = u.out!;
    u.got += buf.length;
    u.hash.update(buf);
    u.touchedAt = Date.now();
    // bounded memory: stop reading the socket while the disk is behind
    if (!out.write(buf, () => stored(ws, u, buf.length)) && !ws.isPaused) {
      ws.pause();
      out.once('drain', () => ws.isPaused && ws.resume());
    }
  }

  function stored(ws: WebSocket, u: Upload, n: number): void {
    u.stored += n;
    hooks.onProgress({ id: u.id, offset: u.stored, size: u.size, bytes: n });
    if (u.owner !== ws) return;
    if (u.stored - u.acked >= ackEveryBytes || u.stored === u.got) {
      u.acked = u.stored;
      send(ws, { type: 'ack', id: u.id, offset: u.stored });
    }
  }

  async function end(ws: WebSocket, u: Upload): Promise<void> {
    if (u.got !== u.size) throw new UploadFailure(`size mismatch: ${u.got} of ${u.size} bytes`);
    uploads.delete(u.key);
    await detach(u);
    const file = join(dir, u.key);
    let sha256 = u.done?.sha256;
    if (sha256 === undefined) {
      sha256 = u.hash.digest('hex');
      await rename(u.path, file);
      await writeFile(`${file}.json`, JSON.stringify({ id: u.id, name: u.name, mime: u.mime, size: u.size, sha256 }));
    }
    // detaching silenced the acks of the last writes: report them before `done`
    if (u.acked < u.size) send(ws, { type: 'ack', id: u.id, offset: u.size });
    send(ws, { type: 'done', id: u.id, size: u.size, sha256 });
    release(ws, 1000, 'done');
    if (!u.done) hooks.onDone({ id: u.id, name: u.name, mime: u.mime, size: u.size, sha256, path: file });
  }

  function handle(ws: WebSocket): void {
    let u: Upload | undefined;
    // text messages run in order, each after the previous one's disk work
    let chain = Promise.resolve();
    ws.on('error', () => {});
    ws.on('message', (raw: RawData, binary: boolean) => {
      if (binary) {
        const buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
        if (u && u.owner === ws && u.out) data(ws, u, buf);
        else if (!u) fail(ws, undefined, 'data before start');
        return;
      }
      chain = chain.then(async () => {
        let m: Record<string, unknown> | undefined;
        try {
          const parsed: unknown = JSON.parse(String(raw));
          if (typeof parsed !== 'object' || parsed === null) throw new SyntaxError('not an object');
          m = parsed as Record<string, unknown>;
          if (m['type'] === 'start') {
            u = undefined;
            const next = await start(ws, m);
            if (next.owner !== ws) return; // taken over meanwhile by yet another connection
            u = next;
            send(ws, { type: 'ready', id: u.id, offset: u.got });
          } else if (!u || u.owner !== ws || m['id'] !== u.id) throw new UploadFailure('no such upload');
          else if (m['type'] === 'end') await end(ws, u);
          else if (m['type'] === 'abort') {
            await forget(u);
            release(ws, 1000, 'aborted');
          }
        } catch (error) {
          if (!(error instanceof UploadFailure) && !(error instanceof SyntaxError)) hooks.report(error);
          // answer with the client's id, or its uploader could not tell the error is its own
          const message = error instanceof SyntaxError ? 'bad message' : error instanceof UploadFailure ? error.message : 'internal error';
          fail(ws, u, message, m?.['id']);
        }
      });
    });
    ws.on('close', () => {
      if (u?.owner === ws) void detach(u).catch(hooks.report);
    });
  }

  async function sweep(): Promise<number> {
    const before = Date.now() - partialTtlMs;
    let removed = 0;
    for (const u of [...uploads.values()]) {
      if (!u.owner && u.touchedAt < before) {
        await forget(u);
        removed++;
      }
    }
    // partial files left by an earlier process
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.part') || uploads.has(name.slice(0, -5))) continue;
      const path = join(dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s && s.mtimeMs < before) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  const sweeper = setInterval(() => void sweep().catch(hooks.report), Math.min(600_000, Math.max(1000, partialTtlMs / 4)));
  sweeper.unref();
  void sweep().catch(hooks.report);

  return {
    dir,
    pathOf,
    handle,
    sweep,
    async close() {
      clearInterval(sweeper);
      await Promise.all([...uploads.values()].map(detach));
    },
  };
}
