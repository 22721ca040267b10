// worker-poll's main-thread path (Node has no Worker) against the real demo status
// document over loopback HTTP: validators, 304s and statuses as a server really sends them.
import { afterEach, describe, expect, it } from 'vitest';
import { createStatus, type Status } from '../../demo/server/status.mjs';
import { once, startServer, type TestServer } from '../helpers/servers.js';
import { RealtimeClient } from '../../src/entries/worker-poll.js';

let server: TestServer | undefined;
let client: RealtimeClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
});

async function setup(status: Status): Promise<{ c: RealtimeClient; messages: unknown[]; errors: string[] }> {
  server = await startServer((req, res) => void (status.handle(req, res) || res.writeHead(404).end()));
  const c = (client = new RealtimeClient(`${server.http}/status`, {
    pollIntervalMs: 20,
    reconnect: { initialDelayMs: 20, maxDelayMs: 20, jitter: 'none' },
  }));
  const messages: unknown[] = [];
  const errors: string[] = [];
  c.on('message', (e) => messages.push(e.data));
  c.on('error', (e) => errors.push(e.error.name));
  await once(c, 'open');
  return { c, messages, errors };
}

describe('worker-poll against demo/server/status.mjs', () => {
  it('ETag: one 200 per version, 304s in between', async () => {
    const status = createStatus({ body: 'doc-1' });
    const { messages, errors } = await setup(status);
    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(2);
    status.set('doc-2');
    await expect.poll(() => messages).toEqual(['doc-1', 'doc-2']);
    expect(status.counts.ok).toBe(2);
    expect(status.requests.slice(1).every((r) => r.ifNoneMatch !== undefined)).toBe(true);
    expect(errors).toEqual(['WorkerUnavailableError']); // reported once, not fatal
  });

  it('Last-Modified only: If-Modified-Since earns the 304s', async () => {
    const status = createStatus({ body: 'doc-1', etag: false });
    const { messages } = await setup(status);
    await expect.poll(() => status.counts.notModified).toBeGreaterThanOrEqual(2);
    expect(status.requests[1]).toMatchObject({ ifNoneMatch: undefined, ifModifiedSince: expect.any(String) });
    status.set('doc-2');
    status.set('doc-3'); // same second: the document's Last-Modified still moves forward
    await expect.poll(() => messages).toEqual(['doc-1', 'doc-3']);
  });

  it('a 503 reconnects, a 404 is final', async () => {
    const status = createStatus({ body: 'doc-1' });
    const { c, errors } = await setup(status);
    status.fail(503);
    await once(c, 'reconnecting');
    await once(c, 'open');
    status.fail(404);
    const close = await once<Event & { willReconnect: boolean }>(c, 'close');
    expect(close.willReconnect).toBe(false);
    expect(c.readyState).toBe(c.CLOSED);
    expect(errors).toEqual(['WorkerUnavailableError', 'HttpStatusError', 'HttpStatusError']);
  });
});
