// WebSocket on the hub: plain frames and the pushline.v1 protocol (resume,
// reset first, cumulative acks, retransmits processed once, malformed frames).
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLog, type MessageEvent } from '../../src/entries/server.js';
import { openSse, openWs, poll, startHub, waitFor, type HubServer } from '../helpers/protocol.js';

let h: HubServer;
afterEach(async () => h?.close());

const V1 = ['pushline.v1'];
const url = (params: Record<string, string>): string => `${h.ws}?${new URLSearchParams(params)}`;
type Frame = { type: string; id?: string; seq?: number; data?: string; event?: string; base64?: string };

describe('plain WebSocket', () => {
  it('answers ping with pong, delivers raw data frames, and hands client frames to message listeners', async () => {
    h = await startHub();
    const got: MessageEvent[] = [];
    h.hub.on('message', (m) => void got.push(m));
    const c = await openWs(h.ws);
    expect(c.ws.protocol).toBe('');
    c.send('ping');
    await waitFor(() => c.raw.includes('pong'));
    await h.hub.publish('hello', { event: 'chat' });
    const bytes = new Uint8Array([1, 2, 3]);
    await h.hub.publish(bytes);
    bytes.fill(0); // the hub kept its own copy
    await waitFor(() => c.raw.length === 3);
    expect(c.raw[1]).toBe('hello');
    expect([...(c.raw[2] as Buffer)]).toEqual([1, 2, 3]);
    c.send('from the client');
    c.ws.send(Buffer.from([9, 9]));
    await waitFor(() => got.length === 2);
    expect(got[0]).toMatchObject({ data: 'from the client', seq: undefined, sessionId: undefined, transport: 'websocket' });
    expect(Buffer.isBuffer(got[1]!.data)).toBe(true);
    // the pings never reached the app
    expect(got.map((m) => m.data)).not.toContain('ping');
    c.ws.close();
  });
});

describe('pushline.v1', () => {
  it('selects the subprotocol, frames messages with id and event, binary as base64, answers ping frames', async () => {
    h = await startHub();
    const c = await openWs(url({ sessionId: 's1' }), ['other', ...V1]);
    expect(c.ws.protocol).toBe('pushline.v1');
    const a = await h.hub.publish('text');
    const b = await h.hub.publish(new Uint8Array([255, 0]), { event: 'bin' });
    c.send({ type: 'ping' });
    await waitFor(() => c.frames.length === 3);
    expect(c.frames).toEqual(
      expect.arrayContaining([
        { type: 'message', id: a, data: 'text' },
        { type: 'message', id: b, event: 'bin', base64: Buffer.from([255, 0]).toString('base64') },
        { type: 'pong' },
      ]),
    );
    c.ws.close();
  });

  it('resumes from lastEventId on the URL, with ids from another transport', async () => {
    h = await startHub();
    const s = await openSse(h.http);
    await waitFor(() => s.blocks.some((b) => b.id));
    for (let i = 0; i < 4; i++) await h.hub.publish(`e${i}`);
    await waitFor(() => s.events().length === 4);
    s.close();
    const c = await openWs(url({ sessionId: 's', lastEventId: s.events()[1]!.id! }), V1);
    await waitFor(() => c.frames.length === 2);
    expect((c.frames as Frame[]).map((f) => f.data)).toEqual(['e2', 'e3']);
    // and a WebSocket id resumes a long-poll
    const r = await poll(`${h.http}?transport=long-poll&lastEventId=${encodeURIComponent((c.frames[0] as Frame).id!)}`);
    expect(r.blocks.map((x) => x.data)).toEqual(['e3']);
    c.ws.close();
  });

  it('a resume from far back is replayed page by page, in order, within the connection buffer limit', async () => {
    h = await startHub({ maxBatch: 10, maxBufferedBytes: 4096 });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await h.hub.publish(`${i}:${'y'.repeat(300)}`));
    const c = await openWs(url({ lastEventId: ids[0]! }), V1);
    await waitFor(() => c.frames.length === 59);
    expect((c.frames as Frame[]).map((f) => f.data!.split(':')[0])).toEqual(Array.from({ length: 59 }, (_, i) => String(i + 1)));
    c.ws.close();
  });

  it('a foreign cursor gets exactly one reset frame, first, then the stream from the head', async () => {
    const before = memoryLog();
    const stale = await before.append(undefined, 'old');
    h = await startHub();
    await h.hub.publish('before the client');
    const c = await openWs(url({ sessionId: 's', lastEventId: stale }), V1);
    await waitFor(() => c.frames.length >= 1);
    await h.hub.publish('after');
    await waitFor(() => c.frames.length === 2);
    expect(c.frames).toEqual([{ type: 'reset' }, expect.objectContaining({ type: 'message', data: 'after' })]);
    c.ws.close();
  });

  it('a trimmed cursor gets the reset frame too', async () => {
    h = await startHub({ log: memoryLog({ maxLen: 4 }) });
    const first = await h.hub.publish('gone');
    for (let i = 0; i < 20; i++) await h.hub.publish(`e${i}`);
    const c = await openWs(url({ lastEventId: first }), V1);
    await waitFor(() => c.frames.length >= 1);
    await h.hub.publish('live');
    await waitFor(() => c.frames.length === 2);
    expect(c.frames[0]).toEqual({ type: 'reset' });
    expect((c.frames[1] as Frame).data).toBe('live');
    c.ws.close();
  });

  it('acks cumulatively, and a retransmitted seq is acked again but processed once, across connections', async () => {
    h = await startHub();
    const got: MessageEvent[] = [];
    h.hub.on('message', (m) => void got.push(m));
    const a = await openWs(url({ sessionId: 'sess' }), V1);
    for (let seq = 1; seq <= 5; seq++) a.send({ type: 'message', seq, data: `m${seq}` });
    await waitFor(() => (a.frames as Frame[]).some((f) => f.type === 'ack' && f.seq === 5));
    // acks only grow, and the last one covers everything
    const acks = (a.frames as Frame[]).filter((f) => f.type === 'ack').map((f) => f.seq!);
    expect([...acks].sort((x, y) => x - y)).toEqual(acks);
    a.ws.terminate();
    // the client did not see the acks in time: it resends 3..5 on a new connection, then 6
    const b = await openWs(url({ sessionId: 'sess' }), V1);
    for (const seq of [3, 4, 5, 6]) b.send({ type: 'message', seq, data: `m${seq}` });
    await waitFor(() => (b.frames as Frame[]).some((f) => f.type === 'ack' && f.seq === 6));
    expect(got.map((m) => [m.sessionId, m.seq, m.data])).toEqual([1, 2, 3, 4, 5, 6].map((n) => ['sess', n, `m${n}`]));
    expect(got.every((m) => m.transport === 'websocket')).toBe(true);
    b.ws.close();
  });

  it('waits for an async message listener before acknowledging', async () => {
    h = await startHub();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.hub.on('message', () => gate);
    const c = await openWs(url({ sessionId: 'slow' }), V1);
    c.send({ type: 'message', seq: 1, data: 'x' });
    c.send({ type: 'ping' });
    await waitFor(() => c.frames.some((f) => (f as Frame).type === 'pong'));
    expect(c.frames.some((f) => (f as Frame).type === 'ack')).toBe(false);
    release();
    await waitFor(() => c.frames.some((f) => (f as Frame).type === 'ack'));
    c.ws.close();
  });

  it('a listener that throws is reported, the send is not acknowledged, and the retransmit runs it again', async () => {
    h = await startHub();
    const errors: unknown[] = [];
    h.hub.on('error', ({ error }) => void errors.push(error));
    let failures = 1;
    const got: string[] = [];
    h.hub.on('message', ({ data }) => {
      if (failures-- > 0) throw new Error('database down');
      got.push(String(data));
    });
    const a = await openWs(url({ sessionId: 'x' }), V1);
    a.send({ type: 'message', seq: 1, data: 'a' });
    a.send({ type: 'message', seq: 2, data: 'b' });
    // not stored: no ack, and the connection is closed so the client resends in order
    expect((await a.closed).code).toBe(1011);
    expect(a.frames.filter((f) => (f as Frame).type === 'ack')).toEqual([]);
    expect(errors).toHaveLength(1);
    const b = await openWs(url({ sessionId: 'x' }), V1);
    b.send({ type: 'message', seq: 1, data: 'a' });
    b.send({ type: 'message', seq: 2, data: 'b' });
    await waitFor(() => b.frames.some((f) => (f as Frame).type === 'ack' && (f as Frame).seq === 2));
    expect(got).toEqual(['a', 'b']);
    b.ws.close();
  });

  it('malformed frames close the connection with 1002 (never crash the hub); unknown frame types are ignored', async () => {
    h = await startHub();
    for (const bad of ['{not json', '[1,2]', '{"type":"message","seq":0,"data":"x"}', '{"type":"message","seq":1}', '{"type":"message","seq":1.5,"data":"x"}', '{"seq":1}']) {
      const c = await openWs(url({ sessionId: 'm' }), V1);
      c.send(bad);
      expect((await c.closed).code).toBe(1002);
    }
    const c = await openWs(url({ sessionId: 'm' }), V1);
    c.send({ type: 'future-frame' });
    c.send({ type: 'ping' });
    await waitFor(() => c.frames.some((f) => (f as Frame).type === 'pong'));
    c.ws.send(Buffer.from([1]));
    expect((await c.closed).code).toBe(1003);
    // the hub still serves
    const ok = await openWs(url({ sessionId: 'm' }), V1);
    ok.send({ type: 'message', seq: 1, data: 'fine' });
    await waitFor(() => ok.frames.some((f) => (f as Frame).type === 'ack'));
    ok.ws.close();
  });

  it('a frame over maxMessageBytes closes with 1009', async () => {
    h = await startHub({ maxMessageBytes: 1024 });
    const c = await openWs(url({ sessionId: 'big' }), V1);
    c.send({ type: 'message', seq: 1, data: 'x'.repeat(2000) });
    expect((await c.closed).code).toBe(1009);
  });

  it('refuses an invalid sessionId at the handshake', async () => {
    h = await startHub();
    const { handshake } = await import('../helpers/protocol.js');
    expect(await handshake(url({ sessionId: 'has space' }), V1)).toBe(400);
  });

  it('terminates a connection that stops answering pings', async () => {
    h = await startHub({ pingIntervalMs: 30 });
    const c = await openWs(url({}), V1);
    // a half-open peer: it keeps its socket but never answers (ws answers pings automatically, so stop reading)
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitFor(() => h.hub.stats().websocket === 0);
  });
});
