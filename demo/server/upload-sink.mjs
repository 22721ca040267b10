// The receiving side of pushline's chunked upload (subprotocol
// `pushline-upload.v1`), written as a reference for server authors and kept as a
// fixture for the client's tests. The demo server uses pushline/server's sink
// (src/server/upload-sink.ts), which also closes upload sockets after `done`.
//
// Files are stored as `<key>.part` while incomplete and `<key>` when done, where
// `<key>` is a hash of the client's id: nothing the client sends ever becomes a
// path, so `name` (kept only as metadata in `<key>.json`) cannot escape `dir`.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The WebSocket subprotocol of the upload socket. */
export const UPLOAD_PROTOCOL = 'pushline-upload.v1';

const MAX_ID = 256;
const MAX_META = 255;
/** Coalesce acks: one per this many stored bytes, plus one whenever the disk catches up. */
const ACK_EVERY = 256 * 1024;
// C0, DEL and C1 controls, plus bidi overrides that disguise a name on screen
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const clean = (text, fallback) =>
  typeof text === 'string' ? text.replace(UNSAFE, '').slice(0, MAX_META) || fallback : fallback;

/** SHA-256 of a file's bytes, as a live hash object that more data can be fed into. */
async function hashFile(path) {
  const hash = createHash('sha256');
  for await (const buf of createReadStream(path)) hash.update(buf);
  return hash;
}

/**
 * Creates an upload receiver.
 * @param {{ dir?: string, maxBytes?: number }} [options]
 *   `dir`: where files go (created if missing; default a fresh temporary directory);
 *   `maxBytes`: the largest upload accepted (default 1 GiB).
 * @returns {{
 *   dir: string,
 *   handleProtocols: (protocols: Set<string>) => string | false,
 *   handle: (ws: import('ws').WebSocket) => void,
 *   pathOf: (id: string) => string,
 *   close: () => Promise<void>,
 * }}
 *   Pass `handleProtocols` to `new WebSocketServer({ handleProtocols })`, then call
 *   `handle(ws)` for every upload connection. `pathOf(id)` is where a finished file is.
 */
export function createUploadSink({ dir = mkdtempSync(join(tmpdir(), 'pushline-uploads-')), maxBytes = 2 ** 30 } = {}) {
  mkdirSync(dir, { recursive: true });
  /** Uploads in progress by key, surviving their connection so a new one can resume. */
  const uploads = new Map();
  const keyOf = (id) => createHash('sha256').update(id).digest('hex').slice(0, 40);
  const pathOf = (id) => join(dir, keyOf(id));

  /** Stops writing for `u`'s current connection; resolves when the bytes are on disk. */
  const detach = (u) => {
    u.owner = undefined;
    if (u.out) {
      const out = u.out;
      u.out = undefined;
      u.flushed = new Promise((resolve) => out.end(resolve));
    }
    return u.flushed;
  };

  const forget = async (u) => {
    uploads.delete(u.key);
    await detach(u);
    await rm(u.path, { force: true });
  };

  /** `start`: take the upload over (from a dead connection too) and report what is held. */
  async function start(ws, m) {
    if (typeof m.id !== 'string' || !m.id || m.id.length > MAX_ID) throw new Error('bad id');
    const size = m.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad size');
    if (size > maxBytes) throw new Error(`too large: ${size} > ${maxBytes} bytes`);
    const key = keyOf(m.id);
    const path = join(dir, `${key}.part`);
    let u = uploads.get(key);
    if (u) {
      // a second live connection for one id: the newer wins, the older is told to stop
      if (u.owner && u.owner !== ws) u.owner.close(4409, 'taken over');
      await detach(u);
      // the same id with another size is another file: start it afresh
      if (u.size !== size) {
        await forget(u);
        u = undefined;
      }
    }
    if (!u) {
      // a partial file left by an earlier process: resume it, re-hashing what it holds
      const held = await stat(path).then((s) => s.size, () => 0);
      const fresh = held > size || held === 0;
      if (fresh) await rm(path, { force: true });
      u = { key, path, id: m.id, size, got: fresh ? 0 : held, hash: fresh ? createHash('sha256') : await hashFile(path) };
      uploads.set(key, u);
    }
    u.name = clean(m.name, 'blob');
    u.mime = clean(m.mime, 'application/octet-stream');
    u.owner = ws;
    u.stored = u.got;
    u.acked = u.got;
    u.out = createWriteStream(path, { flags: 'a' });
    u.out.on('error', () => fail(ws, u, 'write failed'));
    return u;
  }

  const send = (ws, msg) => ws.readyState === 1 && ws.send(JSON.stringify(msg));

  function fail(ws, u, message, id = u?.id) {
    send(ws, { type: 'error', id, message });
    if (u?.owner === ws) void forget(u);
    ws.close(1000);
  }

  /** Binary data for `u`: hash it, append it, ack once it is stored. */
  function data(ws, u, buf) {
    if (u.got + buf.length > u.size) return fail(ws, u, 'more data than declared');
    u.got += buf.length;
    u.hash.update(buf);
    // bounded memory: stop reading the socket while the disk is behind
    if (!u.out.write(buf, () => stored(ws, u, buf.length)) && !ws.isPaused) {
      ws.pause();
      u.out.once('drain', () => ws.resume());
    }
  }

  function stored(ws, u, n) {
    u.stored += n;
    if (u.owner !== ws) return;
    if (u.stored - u.acked >= ACK_EVERY || u.stored === u.got) {
      u.acked = u.stored;
      send(ws, { type: 'ack', id: u.id, offset: u.stored });
    }
  }

  async function end(ws, u) {
    if (u.got !== u.size) return fail(ws, u, `size mismatch: ${u.got} of ${u.size} bytes`);
    uploads.delete(u.key);
    await detach(u);
    // detaching silenced the acks of the last writes: report them before `done`
    if (u.acked < u.size) send(ws, { type: 'ack', id: u.id, offset: u.size });
    const sha256 = u.hash.digest('hex');
    const file = join(dir, u.key);
    await rename(u.path, file);
    await writeFile(`${file}.json`, JSON.stringify({ id: u.id, name: u.name, mime: u.mime, size: u.size, sha256 }));
    send(ws, { type: 'done', id: u.id, size: u.size, sha256 });
  }

  function handle(ws) {
    if (ws.protocol !== UPLOAD_PROTOCOL) return ws.close(1002, 'subprotocol');
    let u; // this connection's upload
    // text messages are handled in order, after any async work of the previous one
    let chain = Promise.resolve();
    ws.on('message', (raw, binary) => {
      if (binary) {
        if (u?.owner === ws && u.out) data(ws, u, raw);
        else if (!u) fail(ws, u, 'data before start');
        return;
      }
      chain = chain.then(async () => {
        let m;
        try {
          m = JSON.parse(String(raw));
          if (m.type === 'start') {
            u = undefined;
            const next = await start(ws, m);
            if (next.owner !== ws) return; // taken over meanwhile by yet another connection
            u = next;
            send(ws, { type: 'ready', id: u.id, offset: u.got });
          } else if (!u || u.owner !== ws || m.id !== u.id) throw new Error('no such upload');
          else if (m.type === 'end') await end(ws, u);
          else if (m.type === 'abort') {
            await forget(u);
            ws.close(1000);
          }
        } catch (e) {
          // answer with the client's id, or its uploader would not know the error is its own
          fail(ws, u, e instanceof SyntaxError ? 'bad message' : e.message, m?.id);
        }
      });
    });
    ws.on('close', () => u?.owner === ws && detach(u));
  }

  return {
    dir,
    handleProtocols: (protocols) => (protocols.has(UPLOAD_PROTOCOL) ? UPLOAD_PROTOCOL : false),
    handle,
    pathOf,
    /** Flushes every partial file to disk (for a clean shutdown); the partials stay, for resume. */
    close: () => Promise.all([...uploads.values()].map(detach)).then(() => {}),
  };
}
