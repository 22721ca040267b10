// A reliable session without a cursor (it dropped before its first event, so it
// never got an id) resumes from the session's origin, the head when it first
// connected: nothing published since it joined is lost, on any transport.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLog } from '../../src/entries/server.js';
import { openSse, openWs, poll, startHub, waitFor, type HubServer } from '../helpers/protocol.js';

let h: HubServer;
afterEach(async () => h?.close());

const events = (frames: unknown[]): string[] =>
  frames.filter((f): f is { type: string; data: string } => (f as { type?: string }).type === 'message').map((f) => f.data);

describe('a reliable session without a cursor resumes from its origin', () => {
  it('pushline.v1: a drop before the first event, then events, then a reconnect without a cursor', async () => {
    const log = memoryLog();
    h = await startHub({ log });
    await h.hub.publish('before the session');
    const first = await openWs(`${h.ws}?sessionId=s1`, ['pushline.v1']);
    // the socket joins the feed asynchronously: wait until the session's origin is recorded
    await waitFor(() => (log.sessions as unknown as { size: number }).size > 0);
    first.ws.terminate();
    await h.hub.publish('a');
    await h.hub.publish('b');
    const again = await openWs(`${h.ws}?sessionId=s1`, ['pushline.v1']);
    await waitFor(() => events(again.frames).length === 2);
    expect(events(again.frames)).toEqual(['a', 'b']);
    expect(again.frames.some((f) => (f as { type?: string }).type === 'reset')).toBe(false);
    // another session starts at the head: nothing from before it joined
    const other = await openWs(`${h.ws}?sessionId=s2`, ['pushline.v1']);
    await h.hub.publish('c');
    await waitFor(() => events(other.frames).length === 1);
    expect(events(other.frames)).toEqual(['c']);
    for (const s of [again, other]) s.ws.close();
  });

  it('SSE: resumed from the origin, with no head handoff ahead of the replay', async () => {
    h = await startHub({ log: memoryLog() });
    const first = await openSse(`${h.http}?sessionId=s3`);
    await waitFor(() => first.blocks.some((b) => b.id !== undefined));
    first.close();
    const a = await h.hub.publish('a');
    const again = await openSse(`${h.http}?sessionId=s3`);
    await waitFor(() => again.events().length === 1);
    expect(again.events()).toMatchObject([{ id: a, data: 'a' }]);
    expect(again.blocks.filter((b) => b.data === undefined && b.id !== undefined)).toEqual([]);
    again.close();
  });

  it('long-poll: a poll without a cursor gets what was published since the session began', async () => {
    h = await startHub({ log: memoryLog(), holdMs: 2000 });
    const handoff = await poll(`${h.http}?transport=long-poll&sessionId=s4`);
    expect(handoff.blocks.map((b) => b.data)).toEqual([undefined]);
    await h.hub.publish('a');
    const again = await poll(`${h.http}?transport=long-poll&sessionId=s4`);
    expect(again.blocks.map((b) => b.data)).toEqual(['a']);
    // without a session: the head, at once, as before
    const plain = await poll(`${h.http}?transport=long-poll`);
    expect(plain.blocks.map((b) => b.data)).toEqual([undefined]);
  });
});
