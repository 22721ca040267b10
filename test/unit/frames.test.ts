import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeMessage, fromBase64, toBase64 } from '../../src/protocol/frames.js';
import { RealtimeClient } from '../../src/entries/websocket.js';
import { FakeWebSocket } from '../helpers/fake-web.js';

describe('pushline.v1 frames (pure)', () => {
  it('encodes sends: text as data, bytes as base64, with seq', () => {
    expect(JSON.parse(encodeMessage('hi', 1))).toEqual({ type: 'message', seq: 1, data: 'hi' });
    expect(JSON.parse(encodeMessage(new Uint8Array([0, 255, 7]), 2))).toEqual({ type: 'message', seq: 2, base64: 'AP8H' });
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect(JSON.parse(encodeMessage(view, 3)).base64).toBe(toBase64(new Uint8Array([1, 2, 3])));
    const big = new Uint8Array(200000).map((_, i) => i % 251);
    expect(fromBase64(toBase64(big))).toEqual(big);
  });

  it('decodes every server frame', () => {
    expect(decodeFrame('{"type":"message","id":"e-1","data":"x"}')).toEqual({ type: 'message', id: 'e-1', event: undefined, data: 'x' });
    expect(decodeFrame('{"type":"message","id":"e-2","event":"chat","base64":"AQI="}')).toEqual({ type: 'message', id: 'e-2', event: 'chat', data: new Uint8Array([1, 2]) });
    expect(decodeFrame('{"type":"ack","seq":7}')).toEqual({ type: 'ack', seq: 7 });
    expect(decodeFrame('{"type":"reset"}')).toEqual({ type: 'reset' });
    expect(decodeFrame('{"type":"pong"}')).toEqual({ type: 'pong' });
  });

  it.each([
    ['a binary frame', new Uint8Array([1])],
    ['not JSON', '{oops'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['an unknown type', '{"type":"hello"}'],
    ['a message without id', '{"type":"message","data":"x"}'],
    ['a message with a numeric id', '{"type":"message","id":5,"data":"x"}'],
    ['a message without data', '{"type":"message","id":"1"}'],
    ['a message with a bad event', '{"type":"message","id":"1","event":3,"data":"x"}'],
    ['invalid base64', '{"type":"message","id":"1","base64":"@@@"}'],
    ['an ack without seq', '{"type":"ack"}'],
    ['a negative ack', '{"type":"ack","seq":-1}'],
    ['a fractional ack', '{"type":"ack","seq":1.5}'],
  ])('%s is a ProtocolError', (_name, raw) => {
    expect(() => decodeFrame(raw)).toThrowError(expect.objectContaining({ name: 'ProtocolError' }));
  });
});

describe('the reliable codec in the client', () => {
  const WS = FakeWebSocket as unknown as typeof WebSocket;
  let client: RealtimeClient | undefined;
  beforeEach(() => FakeWebSocket.reset());
  afterEach(() => {
    client?.close();
    vi.useRealTimers();
  });
  async function open(options = {}): Promise<FakeWebSocket> {
    client = new RealtimeClient('ws://127.0.0.1:9/live', { WebSocket: WS, reliable: true, sessionId: 's', ...options });
    await vi.waitFor(() => expect(FakeWebSocket.all).toHaveLength(1));
    const s = FakeWebSocket.last();
    s.accept('pushline.v1');
    return s;
  }

  it('asks for pushline.v1 after the app protocols, with sessionId on the URL', async () => {
    const s = await open({ protocols: ['chat'] });
    expect(s.protocols).toEqual(['chat', 'pushline.v1']);
    expect(new URL(s.url).searchParams.get('sessionId')).toBe('s');
  });

  it('malformed frames become error events (ProtocolError), never throws; the stream goes on', async () => {
    const s = await open();
    const errors: string[] = [];
    const got: unknown[] = [];
    client!.on('error', (e) => errors.push(e.error.name));
    client!.on('message', (e) => got.push(e.data));
    for (const raw of ['{oops', '{"type":"message"}', '{"type":"nope"}', new ArrayBuffer(2)]) s.message(raw);
    s.message('{"type":"message","id":"1","data":"fine"}');
    expect(errors).toEqual(['ProtocolError', 'ProtocolError', 'ProtocolError', 'ProtocolError']);
    expect(got).toEqual(['fine']);
    expect(client!.lastEventId).toBe('1');
  });

  it('pongs prove liveness and are never delivered; pings are frames', async () => {
    vi.useFakeTimers();
    client = new RealtimeClient('ws://127.0.0.1:9/live', { WebSocket: WS, reliable: true, heartbeat: { intervalMs: 100 } });
    // the codec is its own chunk: the socket comes once it has loaded
    await vi.waitFor(() => expect(FakeWebSocket.all).toHaveLength(1));
    const s = FakeWebSocket.last();
    s.accept('pushline.v1');
    const got: unknown[] = [];
    client.on('message', (e) => got.push(e.data));
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(100);
      s.message('{"type":"pong"}');
    }
    expect(s.sent.filter((f) => f === '{"type":"ping"}')).toHaveLength(5);
    expect(got).toEqual([]);
    expect(client.state).toBe('open');
  });

  it('acks prove liveness as much as pongs do', async () => {
    vi.useFakeTimers();
    client = new RealtimeClient('ws://127.0.0.1:9/live', { WebSocket: WS, reliable: true, heartbeat: { intervalMs: 100 } });
    await vi.waitFor(() => expect(FakeWebSocket.all).toHaveLength(1));
    const s = FakeWebSocket.last();
    s.accept('pushline.v1');
    for (let i = 1; i <= 10; i++) {
      client.send(String(i));
      await vi.advanceTimersByTimeAsync(100);
      s.message(`{"type":"ack","seq":${i}}`);
    }
    expect(client.state).toBe('open');
  });

  it('a reset frame is a reset event, not a message', async () => {
    const s = await open();
    const resets: string[] = [];
    client!.on('reset', (e) => resets.push(e.lastEventId));
    s.message('{"type":"message","id":"9","data":"x"}');
    s.message('{"type":"reset"}');
    expect(resets).toEqual(['9']);
  });

  it('a server that selects no subprotocol (a browser opens the socket with protocol "") fails fatally', async () => {
    client = new RealtimeClient('ws://127.0.0.1:9/live', { WebSocket: WS, reliable: true });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.error.name));
    await vi.waitFor(() => expect(FakeWebSocket.all).toHaveLength(1));
    FakeWebSocket.last().accept('');
    await vi.waitFor(() => expect(client!.state).toBe('closed'));
    expect(errors).toEqual(['ProtocolError']);
    expect(FakeWebSocket.all).toHaveLength(1);
  });
});
