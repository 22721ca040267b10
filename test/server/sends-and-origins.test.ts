// POSTed sends (plain and with sessionId/seq), Origin checks, CORS answers,
// authorize, and the size limits.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../src/entries/server.js';
import { handshake, openSse, startHub, waitFor, type HubServer } from '../helpers/protocol.js';

let h: HubServer;
afterEach(async () => h?.close());

const post = (url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/octet-stream', ...headers } });

describe('POSTed sends', () => {
  it('a plain POST is one message; text stays text, binary arrives as bytes', async () => {
    h = await startHub();
    const got: MessageEvent[] = [];
    h.hub.on('message', (m) => void got.push(m));
    expect((await post(h.http, 'hello')).status).toBe(204);
    expect((await post(h.http, new Uint8Array([1, 2]))).status).toBe(204);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ data: 'hello', transport: 'http', seq: undefined, sessionId: undefined });
    expect([...(got[1]!.data as Buffer)]).toEqual([1, 2]);
  });

  it('with sessionId and seq: 2xx means stored; a seq already stored gets 2xx again and is not processed twice', async () => {
    h = await startHub();
    const got: MessageEvent[] = [];
    h.hub.on('message', (m) => void got.push(m));
    const send = (seq: number): Promise<Response> => post(`${h.http}?sessionId=abc&seq=${seq}`, `m${seq}`);
    for (const seq of [1, 2, 2, 3, 1, 3]) expect((await send(seq)).status).toBe(204);
    expect(got.map((m) => [m.sessionId, m.seq, m.data])).toEqual([
      ['abc', 1, 'm1'],
      ['abc', 2, 'm2'],
      ['abc', 3, 'm3'],
    ]);
  });

  it('a seq sent over POST and retransmitted over pushline.v1 (or back) is processed once: one session space', async () => {
    h = await startHub();
    const got: MessageEvent[] = [];
    h.hub.on('message', (m) => void got.push(m));
    await post(`${h.http}?sessionId=mix&seq=1`, 'one');
    const { openWs } = await import('../helpers/protocol.js');
    const c = await openWs(`${h.ws}?sessionId=mix`, ['pushline.v1']);
    c.send({ type: 'message', seq: 1, data: 'one' });
    c.send({ type: 'message', seq: 2, data: 'two' });
    await waitFor(() => c.frames.some((f) => (f as { seq?: number }).seq === 2));
    expect((await post(`${h.http}?sessionId=mix&seq=2`, 'two')).status).toBe(204);
    expect(got.map((m) => `${m.transport}:${m.data}`)).toEqual(['http:one', 'websocket:two']);
    c.ws.close();
  });

  it('a listener that rejects gets a 500 (not stored); the retry of the same seq runs it again', async () => {
    h = await startHub();
    let calls = 0;
    h.hub.on('message', async () => {
      if (calls++ === 0) throw new Error('not now');
    });
    const first = await post(`${h.http}?sessionId=r&seq=1`, 'x');
    expect(first.status).toBe(500);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await post(`${h.http}?sessionId=r&seq=1`, 'x')).status).toBe(204);
    expect((await post(`${h.http}?sessionId=r&seq=1`, 'x')).status).toBe(204);
    expect(calls).toBe(2);
  });

  it('refuses bad seq and sessionId values with 400, and bodies over maxMessageBytes with 413', async () => {
    h = await startHub({ maxMessageBytes: 100 });
    const got: unknown[] = [];
    h.hub.on('message', (m) => void got.push(m));
    for (const q of ['sessionId=a&seq=0', 'sessionId=a&seq=-1', 'sessionId=a&seq=1.5', 'sessionId=a&seq=x', 'seq=1', `sessionId=${'x'.repeat(200)}&seq=1`]) {
      expect((await post(`${h.http}?${q}`, 'x')).status, q).toBe(400);
    }
    expect((await post(h.http, 'y'.repeat(101))).status).toBe(413);
    // a body that lies about its length (chunked) is cut at the limit too
    const chunked = await new Promise<number>((resolve) => {
      const req = request(h.http, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      req.write('z'.repeat(80));
      req.write('z'.repeat(80));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(got).toEqual([]);
  });

  it('other methods get 405 with Allow', async () => {
    h = await startHub();
    const res = await fetch(h.http, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, OPTIONS');
  });
});

describe('Origin and CORS', () => {
  it('same origin only by default: a foreign Origin is refused on GET, POST and the WebSocket handshake', async () => {
    h = await startHub();
    const evil = { origin: 'http://evil.example' };
    expect((await fetch(h.http, { headers: evil })).status).toBe(403);
    expect((await post(h.http, 'x', evil)).status).toBe(403);
    expect((await fetch(`${h.http}?transport=long-poll`, { headers: evil })).status).toBe(403);
    expect(await handshake(h.ws, [], evil.origin)).toBe(403);
    expect(await handshake(h.ws, ['pushline.v1'], evil.origin)).toBe(403);
    // the page's own origin, and clients that send no Origin at all, are served
    const own = `http://127.0.0.1:${h.port}`;
    expect(await handshake(h.ws, [], own)).toBe('open');
    expect((await post(h.http, 'x', { origin: own })).status).toBe(204);
    expect((await post(h.http, 'x')).status).toBe(204);
  });

  it('a listed origin gets CORS answers: echoed Origin, credentials, Retry-After exposed; preflights answered', async () => {
    const app = 'https://app.example';
    h = await startHub({ allowedOrigins: [app] });
    const pre = await fetch(h.http, {
      method: 'OPTIONS',
      headers: { origin: app, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(app);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/GET.*POST/);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id');
    const s = await openSse(h.http, { origin: app });
    expect(s.status).toBe(200);
    expect(s.headers.get('access-control-allow-origin')).toBe(app);
    expect(s.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    expect(s.headers.get('vary')).toMatch(/Origin/);
    s.close();
    expect(await handshake(h.ws, [], app)).toBe('open');
    expect(await handshake(h.ws, [], 'https://other.example')).toBe(403);
    const refused = await fetch(h.http, { method: 'OPTIONS', headers: { origin: 'https://other.example' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("'*' and a function widen the policy", async () => {
    h = await startHub({ allowedOrigins: (origin) => origin.endsWith('.trusted.example') });
    expect(await handshake(h.ws, [], 'https://a.trusted.example')).toBe('open');
    expect(await handshake(h.ws, [], 'https://untrusted.example')).toBe(403);
    await h.close();
    h = await startHub({ allowedOrigins: '*' });
    expect(await handshake(h.ws, [], 'https://anything.example')).toBe('open');
  });

  it('authorize refuses with the status it returns, on HTTP and on the handshake', async () => {
    h = await startHub({ authorize: (req) => (req.headers.authorization === 'Bearer ok' ? true : req.headers['x-busy'] ? 503 : 401) });
    expect((await fetch(h.http)).status).toBe(401);
    const busy = await fetch(h.http, { headers: { 'x-busy': '1' } });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await handshake(h.ws)).toBe(401);
    const ok = await openSse(h.http, { authorization: 'Bearer ok' });
    expect(ok.status).toBe(200);
    ok.close();
  });

  it('an unknown path is left to the server (404 here), and a closed hub answers 503', async () => {
    h = await startHub();
    expect((await fetch(h.http.replace('/live', '/elsewhere'))).status).toBe(404);
    expect(await handshake(h.ws.replace('/live', '/elsewhere'))).not.toBe('open');
    await h.hub.close();
    const res = await fetch(h.http);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});
