import { UploadError, domError } from '../errors.js';
import { nextDelay, shouldReconnect } from '../policy/policy.js';
import type { UploadResult, Uploader } from './types.js';

/** A server message of the upload protocol (SPEC §5); fields depend on `type`. */
interface Reply {
  type: string;
  id: string;
  offset: number;
  size: number;
  sha256: string;
  message: string;
}

/**
 * Chunked, resumable upload over its own WebSocket (SPEC §5). Each attempt
 * sends `start`, streams binary frames from the server's `ready.offset` while
 * keeping `bufferedAmount` under `highWaterMark`, then `end`; a dropped socket
 * is reopened under the client's one reconnect policy and resumes where the
 * server says it is. A Blob is read one slice at a time, a buffer sent as views.
 */
export const upload: Uploader = (host, data, opts = {}) =>
  new Promise((resolve, reject) => {
    const o = host.options;
    const { signal, onProgress } = opts;
    const step = Math.floor(opts.chunkSize ?? o.upload.chunkSize);
    const hwm = opts.highWaterMark ?? o.upload.highWaterMark;
    const blob = data instanceof Blob ? data : undefined;
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(blob ? [] : (data as ArrayBuffer));
    const total = blob ? blob.size : bytes.byteLength;
    // randomUUID needs a secure context; plain-http pages get 128 random bits another way
    const id = opts.id ?? crypto.randomUUID?.() ?? crypto.getRandomValues(new Uint32Array(4)).join('-');
    const name = opts.name ?? (blob && 'name' in blob ? String(blob.name) : 'blob');
    const mime = opts.type ?? (blob?.type || 'application/octet-stream');
    // a Blob is read a slice at a time, so at most two chunks are ever in memory
    const read = (from: number, to: number): Promise<ArrayBuffer> | Uint8Array => {
      if (!blob) return bytes.subarray(from, to);
      const p = blob.slice(from, to).arrayBuffer();
      p.catch(() => {}); // a read ahead abandoned by a dropped socket must not report as unhandled
      return p;
    };
    let ws: WebSocket | undefined;
    let sent = 0;
    let acked = 0;
    let attempt = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake = (): void => {};

    const progress = (): void => onProgress?.({ sent, acked, total });
    const say = (s: WebSocket, type: string, extra?: object): void => s.send(JSON.stringify({ type, id, ...extra }));
    const finish = (error?: Error, result?: UploadResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      ws?.close();
      ws = undefined;
      wake();
      if (error) reject(error);
      else resolve(result!);
    };
    const abort = (): void => {
      if (ws?.readyState === 1) say(ws, 'abort');
      finish(domError('AbortError', 'Upload aborted.'));
    };

    const pump = async (s: WebSocket): Promise<void> => {
      // one slice read ahead: the Blob read overlaps the wait for drain (measurably faster in Chromium)
      let next = read(sent, Math.min(sent + step, total));
      while (sent < total) {
        const to = Math.min(sent + step, total);
        // Two bounds, both by highWaterMark. Unacknowledged bytes: what a drop can cost,
        // since bytes in the kernel's socket buffers (invisible to bufferedAmount) die
        // with the socket and must be sent again. bufferedAmount: the browser's own
        // buffer. Nothing acknowledged or buffered always lets one chunk go, so
        // chunkSize > highWaterMark still moves.
        const unacked = (): boolean => sent > acked && sent - acked + to - sent > hwm;
        const buffered = (): boolean => !!s.bufferedAmount && s.bufferedAmount + to - sent > hwm;
        while (s === ws && (unacked() || buffered())) {
          await new Promise<void>((r) => {
            wake = r;
            // an `ack` wakes us; bufferedAmount has no event, so it is polled
            if (!unacked()) setTimeout(r, 2);
          });
        }
        const chunk = s === ws && (await next);
        if (!chunk || s !== ws) return;
        s.send(chunk);
        sent = to;
        progress();
        next = read(to, Math.min(to + step, total));
      }
      say(s, 'end');
    };

    const connect = async (): Promise<void> => {
      let s: WebSocket;
      try {
        const url = await host.uploadUrl(opts.url);
        if (done) return;
        if (!o.WebSocket) throw new TypeError('No WebSocket');
        s = ws = new o.WebSocket(url, 'pushline-upload.v1');
      } catch (e) {
        return finish(e as Error);
      }
      s.binaryType = 'arraybuffer';
      // Node's `ws` throws on an `error` event without a listener; `close` follows it
      s.onerror = () => {};
      const t = setTimeout(() => s.readyState || s.close(), o.connectTimeoutMs);
      s.onopen = () => {
        clearTimeout(t);
        say(s, 'start', { name, size: total, mime });
      };
      s.onmessage = (e: MessageEvent) => {
        let m: Reply;
        try {
          m = JSON.parse(e.data as string);
        } catch {
          return;
        }
        if (s !== ws || m?.id !== id) return;
        // progress (the server holds more than before) starts a later drop's backoff afresh
        if (m.offset > acked) attempt = 0;
        if (m.type === 'ready') {
          // resume exactly where the server is: it holds everything before `offset`
          if (!(Number.isInteger(m.offset) && m.offset >= 0 && m.offset <= total)) return finish(new UploadError('Bad offset', acked));
          sent = acked = m.offset;
          progress();
          // a Blob that cannot be read (a File changed on disk) fails the upload
          pump(s).catch(finish);
        } else if (m.type === 'ack') {
          if (m.offset > acked) {
            acked = m.offset;
            progress();
          }
          wake();
        } else if (m.type === 'done') finish(undefined, { id, size: m.size, sha256: m.sha256 });
        else if (m.type === 'error') finish(new UploadError(m.message, acked));
      };
      const lost = (e: { code: number; reason: string; wasClean: boolean }): void => {
        clearTimeout(t);
        clearTimeout(stall);
        if (s !== ws) return;
        ws = undefined;
        wake();
        const policy = o.reconnect;
        if ((o.shouldReconnect ?? shouldReconnect)(e) && attempt < policy.maxAttempts) {
          timer = setTimeout(connect, nextDelay(policy, ++attempt));
        } else finish(new UploadError(`Closed ${e.code}`, acked));
      };
      s.onclose = lost;
      // half-open detection: with data unacknowledged, a server silent this long is gone;
      // the socket is abandoned (its close handshake could hang) and the upload resumes
      const quietMs = o.idleTimeoutMs ?? o.connectTimeoutMs;
      let stall: ReturnType<typeof setTimeout> | undefined;
      const alive = (): void => {
        clearTimeout(stall);
        stall = setTimeout(() => {
          if (s !== ws) return;
          if (sent <= acked) return alive();
          lost({ code: 1006, reason: 'stalled', wasClean: false });
          s.close();
        }, quietMs);
      };
      s.addEventListener('message', alive);
      s.addEventListener('open', alive);
    };

    if (!(step > 0)) return reject(new RangeError('Bad chunkSize'));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort);
    void connect();
  });
