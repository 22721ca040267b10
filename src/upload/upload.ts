import { UploadError, domError } from '../errors.js';
import { checkNumber } from '../policy/options.js';
import { nextDelay, shouldReconnect } from '../policy/policy.js';
import type { UploadResult, Uploader } from './types.js';

/** The upload socket's subprotocol. */
const SUBPROTOCOL = 'pushline-upload.v1';

/**
 * Chunked, resumable upload over its own WebSocket. Each attempt sends `start`,
 * waits for `ready` (at most `connectTimeoutMs`), streams binary frames from the
 * server's offset while keeping both `bufferedAmount` and the unacknowledged bytes
 * under `highWaterMark`, then `end`, and waits for `done`. A dropped socket, or a
 * server silent for longer than `idleTimeoutMs` (else `connectTimeoutMs`) while
 * the client waits for it, is abandoned and reopened under the client's reconnect
 * policy, resuming where the server says it is. A Blob is read a slice at a time
 * (one slice ahead), a buffer sent as views.
 */
export const upload: Uploader = (host, data, opts = {}) =>
  new Promise((resolve, reject) => {
    const o = host.options;
    const step = opts.chunkSize ?? o.upload.chunkSize;
    const limit = opts.highWaterMark ?? o.upload.highWaterMark;
    checkNumber('chunkSize', step, 1, Infinity);
    checkNumber('highWaterMark', limit, 1, Infinity);
    const signals = [opts.signal, host.signal];
    const blob = data instanceof Blob ? data : undefined;
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(blob ? [] : (data as ArrayBuffer));
    const total = blob ? blob.size : bytes.byteLength;
    // randomUUID needs a secure context; plain-http pages get 128 random bits another way
    const id = opts.id ?? crypto.randomUUID?.() ?? crypto.getRandomValues(new Uint32Array(4)).join('-');
    const name = opts.name ?? (blob && 'name' in blob ? String(blob.name) : 'blob');
    const mime = opts.type ?? (blob?.type || 'application/octet-stream');
    const quietMs = o.idleTimeoutMs ?? o.connectTimeoutMs;
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
    let ready = false;
    let ended = false;
    let finished = false;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let wake = (): void => {};

    const progress = (): void => opts.onProgress?.({ sent, acked, total });
    const tell = (s: WebSocket, type: string, extra?: object): void => s.send(JSON.stringify({ type, id, ...extra }));
    const finish = (error?: Error, result?: UploadResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(retry);
      for (const signal of signals) signal?.removeEventListener('abort', abort);
      ws?.close();
      ws = undefined;
      wake();
      if (error) reject(error);
      else resolve(result!);
    };
    const fail = (message: string): void => finish(new UploadError(message, acked));
    const abort = (): void => {
      if (ws?.readyState === 1) tell(ws, 'abort');
      finish(domError('AbortError', 'The upload was aborted.'));
    };

    /** Abandons socket `s` (dropped, or silent while the client waits) and resumes under the policy. */
    const lost = (s: WebSocket, info: { code: number; reason: string; wasClean: boolean }): void => {
      if (s !== ws) return;
      clearTimeout(deadline);
      ws = undefined;
      wake();
      s.close();
      const policy = o.reconnect;
      if ((o.shouldReconnect ?? shouldReconnect)(info) && attempt < policy.maxAttempts) {
        retry = setTimeout(() => void connect(), nextDelay(policy, ++attempt));
      } else fail(`the upload socket closed (${info.code})`);
    };
    /** The server must speak within `ms`, while the client waits for it (ready, ack, done). */
    const expect = (s: WebSocket, ms: number): void => {
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        // nothing outstanding: the client itself is busy (reading a Blob), not the server
        if (s === ws && ready && !ended && sent === acked) return expect(s, ms);
        lost(s, { code: 1006, reason: 'server silent', wasClean: false });
      }, ms);
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
        const unacked = (): boolean => sent > acked && sent - acked + to - sent > limit;
        const buffered = (): boolean => !!s.bufferedAmount && s.bufferedAmount + to - sent > limit;
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
      ended = true;
      tell(s, 'end');
      expect(s, quietMs);
    };

    const connect = async (): Promise<void> => {
      let s: WebSocket;
      try {
        const url = await host.uploadUrl(opts.url);
        if (finished) return;
        if (!o.WebSocket) throw new TypeError('no WebSocket constructor: pass options.WebSocket');
        s = ws = new o.WebSocket(url, SUBPROTOCOL);
      } catch (e) {
        return finish(e as Error);
      }
      s.binaryType = 'arraybuffer';
      ready = ended = false;
      // Node's `ws` throws on an `error` event without a listener; `close` follows it
      s.onerror = () => {};
      // `ready` must come within connectTimeoutMs of the attempt
      expect(s, o.connectTimeoutMs);
      s.onopen = () => tell(s, 'start', { name, size: total, mime });
      s.onclose = (e) => lost(s, e);
      s.onmessage = (e: MessageEvent) => {
        if (s !== ws) return;
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(e.data as string) as Record<string, unknown>;
        } catch {
          return fail('malformed server message');
        }
        if (typeof m !== 'object' || m === null || m['id'] !== id) return fail('malformed server message');
        const offset = m['offset'];
        if (m['type'] === 'ready' || m['type'] === 'ack') {
          if (!(Number.isSafeInteger(offset) && (offset as number) >= 0 && (offset as number) <= total)) {
            return fail(`server offset ${String(offset)} is not within the size ${total}`);
          }
          // progress (the server holds more than before) starts a later drop's backoff afresh
          if ((offset as number) > acked) attempt = 0;
        }
        switch (m['type']) {
          case 'ready':
            if (ready) return fail('malformed server message: a second ready');
            // resume exactly where the server is: it holds everything before `offset`
            sent = acked = offset as number;
            ready = true;
            progress();
            expect(s, quietMs);
            // a Blob that cannot be read (a File changed on disk) fails the upload
            pump(s).catch(finish);
            return;
          case 'ack':
            if ((offset as number) > acked) {
              acked = offset as number;
              progress();
            }
            expect(s, quietMs);
            return wake();
          case 'done':
            if (m['size'] !== total || typeof m['sha256'] !== 'string') return fail(`the server stored ${String(m['size'])} bytes of ${total}`);
            return finish(undefined, { id, size: total, sha256: m['sha256'] });
          case 'error':
            return fail(String(m['message'] ?? 'the server refused the upload'));
          default:
            return fail(`unknown server message '${String(m['type'])}'`);
        }
      };
    };

    if (signals.some((signal) => signal?.aborted)) return abort();
    for (const signal of signals) signal?.addEventListener('abort', abort);
    void connect();
  });
