// WebSocket connections, in two flavours on the same path:
// - plain (no subprotocol): every event's data as a raw text (or binary) frame,
//   every client frame a `message`; the text `ping` is answered `pong`;
// - `pushline.v1`: JSON frames with ids, resume from `lastEventId`, the reset
//   frame first when that fails, sends with seq acknowledged cumulatively.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { cursorOf, sessionOf, writable, type Context, type SocketEntry } from './context.js';
import { ackFrame, decodeClientFrame, jsonFrame, plainFrame, PONG_FRAME, RESET_FRAME, type ClientFrame } from './frames.js';
import { ListenerFailed } from './inbound.js';
import type { LogEntry } from './log.js';

/** Client frames queued for processing before the socket stops being read. */
const PAUSE_AT = 256;
/** An ack goes out when the queue empties, or after this many processed frames. */
const ACK_EVERY = 32;

/** The length of a frame's header, as written by `wsFrame`. */
const headerLength = (frame: Buffer): number => (frame[1]! < 126 ? 2 : frame[1] === 126 ? 4 : 10);

const asBuffer = (raw: RawData): Buffer => (Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw));

/**
 * Serves one accepted WebSocket; `reliable` when `pushline.v1` was selected.
 * `socket` is the connection under it. Log entries are written to it as whole
 * frames encoded once for every connection (a broadcast costs one write per
 * socket, not one frame encoding each), corked per batch so a batch leaves in
 * one write. That is safe because no extension is negotiated: ws then writes
 * its own frames (pongs, acks, close) whole and synchronously, so frames never
 * interleave, and ws.bufferedAmount still counts what waits in the socket.
 */
export function serveWebSocket(ctx: Context, ws: WebSocket, socket: Duplex, req: IncomingMessage, url: URL, reliable: boolean): void {
  const connectionId = ctx.nextId();
  const sessionId = sessionOf(url);
  const entry: SocketEntry = { ws, alive: true, upload: false };
  ctx.sockets.add(entry);
  ws.on('error', () => {}); // protocol violations and resets end in 'close' below
  ws.on('pong', () => (entry.alive = true));

  // a client that does not read: drop it rather than buffer without bound; it resumes later
  const check = (): void => {
    if (ws.bufferedAmount > ctx.options.maxBufferedBytes) ws.terminate();
  };
  const send = (frame: string): void => {
    if (ws.readyState !== 1) return;
    ws.send(frame);
    check();
  };
  const raw = ws.extensions === '';

  const consumer = ctx.feed.join(reliable ? cursorOf(req, url) : undefined, {
    begin(reset) {
      if (reset) send(RESET_FRAME);
    },
    deliver(entries: readonly LogEntry[]) {
      if (ws.readyState !== 1) return;
      const encode = reliable ? jsonFrame : plainFrame;
      if (!raw) {
        // with an extension (never negotiated by the hub's own server) ws must frame every message
        for (const e of entries) {
          const frame = encode(e);
          ws.send(frame.subarray(headerLength(frame)), { binary: frame[0] === 0x82 });
        }
        return check();
      }
      if (entries.length > 1) socket.cork();
      for (const e of entries) socket.write(encode(e));
      if (entries.length > 1) socket.uncork();
      check();
    },
    fail(reason) {
      if (ws.readyState === 1) ws.close(1013, reason);
    },
    drained: () => writable(socket, ctx.options.maxBufferedBytes / 2),
  }, reliable ? sessionId : undefined);

  ws.on('message', reliable ? reliableInbound() : plainInbound);
  ws.on('close', (code) => {
    consumer.leave();
    ctx.sockets.delete(entry);
    void ctx.events.emit('disconnect', { connectionId, sessionId, transport: 'websocket', code });
  });
  void ctx.events.emit('connection', { connectionId, sessionId, transport: 'websocket', protocol: reliable ? 'pushline.v1' : '', req });

  function plainInbound(raw: RawData, isBinary: boolean): void {
    entry.alive = true;
    const data = isBinary ? asBuffer(raw) : asBuffer(raw).toString('utf8');
    if (data === 'ping') return send('pong');
    // no seq, no acknowledgement: a failed listener was reported already, nothing to undo
    ctx.receive({ sessionId, seq: undefined, data, transport: 'websocket', connectionId, req }).catch(() => {});
  }

  function reliableInbound(): (raw: RawData, isBinary: boolean) => void {
    // frames are processed one at a time, in order; acks follow what was stored
    let chain = Promise.resolve();
    let queued = 0;
    let unacked = 0;
    let acked = 0;
    let highest = 0;
    let failed = false;

    const process = async (frame: Extract<ClientFrame, { type: 'message' }>): Promise<void> => {
      if (failed) return;
      try {
        const last = await ctx.receive({ sessionId, seq: frame.seq, data: frame.data, transport: 'websocket', connectionId, req });
        highest = Math.max(highest, last ?? frame.seq);
      } catch (error) {
        // not stored (a listener failed, or the dedupe state is out of reach): nothing from here
        // on is acknowledged; the client reconnects and resends, in order
        failed = true;
        if (!(error instanceof ListenerFailed)) ctx.report(error, 'websocket');
        if (ws.readyState === 1) ws.close(1011, error instanceof ListenerFailed ? 'message listener failed' : 'dedupe state unavailable');
        return;
      } finally {
        queued--;
        if (queued < PAUSE_AT / 4 && ws.isPaused) ws.resume();
      }
      unacked++;
      if ((queued === 0 || unacked >= ACK_EVERY) && highest > acked) {
        acked = highest;
        unacked = 0;
        send(ackFrame(highest));
      }
    };

    return (raw, isBinary) => {
      entry.alive = true;
      if (failed) return;
      if (isBinary) return void ws.close(1003, 'pushline.v1 frames are text');
      const text = asBuffer(raw).toString('utf8');
      let frame: ClientFrame | undefined;
      try {
        // a lone `ping` is what a client heartbeat without protocol frames sends
        frame = text === 'ping' ? { type: 'ping' } : decodeClientFrame(text);
      } catch (error) {
        failed = true;
        return void ws.close(1002, (error as Error).message);
      }
      if (!frame) return;
      if (frame.type === 'ping') return send(PONG_FRAME);
      const message = frame;
      queued++;
      if (queued >= PAUSE_AT && !ws.isPaused) ws.pause();
      chain = chain.then(() => process(message));
    };
  }
}
