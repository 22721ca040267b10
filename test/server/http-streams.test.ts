// SSE and long-poll against a real hub on a real HTTP server (memoryLog): the
// cursor rules, resume, the reset signal, the id-only handoff and the hold.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLog } from '../../src/entries/server.js';
import { openSse, poll, startHub, waitFor, type HubServer } from '../helpers/protocol.js';

let h: HubServer;
afterEach(async () => h?.close());

const publishAll = async (n: number, from = 0): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) ids.push(await h.hub.publish(`e${i}`));
  return ids;
};

describe('SSE', () => {
  it('opens with a randomized retry: and hands over the head when there is no cursor', async () => {
    h = await startHub({ retryMs: [1000, 5000] });
    await publishAll(2);
    const retries = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const s = await openSse(h.http);
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const first = await waitFor(() => s.blocks.find((b) => b.retry !== undefined));
      expect(first.retry).toBeGreaterThanOrEqual(1000);
      expect(first.retry).toBeLessThanOrEqual(5000);
      retries.add(first.retry!);
      const head = await waitFor(() => s.blocks.find((b) => b.id !== undefined));
      // id-only: moves the cursor, dispatches nothing
      expect(head.data).toBeUndefined();
      expect(head.id).toMatch(/-2$/);
      s.close();
    }
    // eight draws from 4001 values: all equal would mean no jitter at all
    expect(retries.size).toBeGreaterThan(1);
  });

  it('a fixed retryMs is sent as is', async () => {
    h = await startHub({ retryMs: 1234 });
    const s = await openSse(h.http);
    expect((await waitFor(() => s.blocks.find((b) => b.retry !== undefined))).retry).toBe(1234);
    s.close();
  });

  it('delivers live events with ids and names, then resumes from the query cursor', async () => {
    h = await startHub();
    const s = await openSse(h.http);
    await waitFor(() => s.blocks.some((b) => b.id !== undefined));
    const a = await h.hub.publish('one');
    await h.hub.publish('two\nlines', { event: 'chat' });
    await waitFor(() => s.events().length === 2);
    expect(s.events()).toMatchObject([
      { id: a, event: 'message', data: 'one' },
      { event: 'chat', data: 'two\nlines' },
    ]);
    s.close();
    await publishAll(3);
    const again = await openSse(`${h.http}?lastEventId=${encodeURIComponent(a)}`);
    await waitFor(() => again.events().length === 4);
    expect(again.events().map((e) => e.data)).toEqual(['two\nlines', 'e0', 'e1', 'e2']);
    // a resumed stream gets no head block: its cursor is already right
    expect(again.blocks.filter((b) => b.data === undefined && b.id !== undefined)).toEqual([]);
    again.close();
  });

  it('resumes from the Last-Event-ID header alone, and prefers it to the query parameter', async () => {
    h = await startHub();
    const ids = await publishAll(5);
    const byHeader = await openSse(h.http, { 'last-event-id': ids[2]! });
    await waitFor(() => byHeader.events().length === 2);
    expect(byHeader.events().map((e) => e.data)).toEqual(['e3', 'e4']);
    byHeader.close();
    // what a native EventSource sends when it reconnects by itself: its newest id in the
    // header, on the URL that still carries the cursor it was opened with
    const both = await openSse(`${h.http}?lastEventId=${encodeURIComponent(ids[0]!)}`, { 'last-event-id': ids[3]! });
    await waitFor(() => both.events().length >= 1);
    await h.hub.publish('after');
    await waitFor(() => both.events().length === 2);
    expect(both.events().map((e) => e.data)).toEqual(['e4', 'after']);
    both.close();
  });

  it('a foreign cursor gets exactly one pushline.reset (with data and the head as id), then the stream', async () => {
    const other = memoryLog();
    const foreign = await other.append(undefined, 'x');
    h = await startHub();
    const ids = await publishAll(3);
    const s = await openSse(`${h.http}?lastEventId=${encodeURIComponent(foreign)}`);
    const reset = await waitFor(() => s.blocks.find((b) => b.event === 'pushline.reset'));
    expect(reset).toMatchObject({ id: ids[2], data: JSON.stringify({ reason: 'unknown' }) });
    await h.hub.publish('next');
    await waitFor(() => s.events().some((e) => e.data === 'next'));
    // nothing from before the head is replayed after a reset, and only one reset
    expect(s.events().map((e) => [e.event, e.data])).toEqual([
      ['pushline.reset', '{"reason":"unknown"}'],
      ['message', 'next'],
    ]);
    s.close();
  });

  it('a trimmed cursor gets a reset with reason trimmed; the oldest kept cursor still resumes', async () => {
    h = await startHub({ log: memoryLog({ maxLen: 8 }) });
    const ids = await publishAll(40);
    const trimmed = await openSse(`${h.http}?lastEventId=${encodeURIComponent(ids[0]!)}`);
    const reset = await waitFor(() => trimmed.blocks.find((b) => b.event === 'pushline.reset'));
    expect(reset).toMatchObject({ id: ids[39], data: '{"reason":"trimmed"}' });
    trimmed.close();
    // the newest 8 are kept at least: a cursor just before them resumes without a reset
    const kept = await openSse(`${h.http}?lastEventId=${encodeURIComponent(ids[31]!)}`);
    await waitFor(() => kept.events().length === 8);
    expect(kept.events().map((e) => e.data)).toEqual(ids.slice(32).map((_, i) => `e${32 + i}`));
    kept.close();
  });

  it('a resume from far back is replayed page by page, in order, within the connection buffer limit', async () => {
    h = await startHub({ maxBatch: 10, maxBufferedBytes: 4096 });
    const big = 'x'.repeat(300);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await h.hub.publish(`${i}:${big}`));
    const s = await openSse(`${h.http}?lastEventId=${encodeURIComponent(ids[0]!)}`);
    await waitFor(() => s.events().length === 59);
    expect(s.events().map((e) => e.data!.split(':')[0])).toEqual(Array.from({ length: 59 }, (_, i) => String(i + 1)));
    s.close();
  });

  it('sends keep-alive comments on an idle stream', async () => {
    h = await startHub({ keepAliveMs: 20 });
    const s = await openSse(h.http);
    await waitFor(() => s.comments() >= 3);
    s.close();
  });

  it('a malformed cursor resets instead of failing the request', async () => {
    h = await startHub();
    await publishAll(1);
    for (const cursor of ['garbage', '42', 'abc-', '-1', 'x'.repeat(300), 'é-1']) {
      const s = await openSse(`${h.http}?lastEventId=${encodeURIComponent(cursor)}`);
      expect(s.status).toBe(200);
      await waitFor(() => s.blocks.find((b) => b.event === 'pushline.reset'));
      s.close();
    }
  });
});

describe('long-poll', () => {
  const lp = (cursor?: string): string =>
    `${h.http}?transport=long-poll${cursor === undefined ? '' : `&lastEventId=${encodeURIComponent(cursor)}`}`;

  it('without a cursor: an immediate id-only block with the head, so nothing slips between two polls', async () => {
    h = await startHub({ holdMs: 60000 });
    await publishAll(3);
    const first = await poll(lp());
    expect(first.status).toBe(200);
    expect(first.blocks).toEqual([{ id: expect.stringMatching(/-3$/), event: 'message', data: undefined, retry: undefined }]);
    // published between the two polls: the second one gets it
    await h.hub.publish('between');
    const second = await poll(lp(first.blocks[0]!.id));
    expect(second.blocks.map((b) => b.data)).toEqual(['between']);
  });

  it('holds until an event arrives, then answers 200 with it', async () => {
    h = await startHub({ holdMs: 60000 });
    const head = (await poll(lp())).blocks[0]!.id!;
    const held = poll(lp(head));
    await waitFor(() => h.hub.stats().longPoll === 1);
    const id = await h.hub.publish('wake', { event: 'chat' });
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(answer.blocks).toEqual([{ id, event: 'chat', data: 'wake', retry: undefined }]);
  });

  it('answers 204 when nothing happens within the hold', async () => {
    h = await startHub({ holdMs: 50 });
    const head = (await poll(lp())).blocks[0]!.id!;
    expect((await poll(lp(head))).status).toBe(204);
  });

  it('answers at once with what is pending, at most maxBatch events per answer', async () => {
    h = await startHub({ maxBatch: 10 });
    const head = (await poll(lp())).blocks[0]!.id!;
    await publishAll(25);
    const seen: string[] = [];
    let cursor = head;
    while (seen.length < 25) {
      const r = await poll(lp(cursor));
      expect(r.status).toBe(200);
      expect(r.blocks.length).toBeLessThanOrEqual(10);
      seen.push(...r.blocks.map((b) => b.data!));
      cursor = r.blocks[r.blocks.length - 1]!.id!;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
  });

  it('a foreign cursor is answered at once with the reset event carrying the head', async () => {
    h = await startHub({ holdMs: 60000 });
    const ids = await publishAll(2);
    const r = await poll(lp('zzzzzzzzzz-1'));
    expect(r.status).toBe(200);
    expect(r.blocks).toEqual([{ id: ids[1], event: 'pushline.reset', data: '{"reason":"unknown"}', retry: undefined }]);
    // and polling on from the reset's id is a normal resume
    await h.hub.publish('fresh');
    expect((await poll(lp(r.blocks[0]!.id))).blocks.map((b) => b.data)).toEqual(['fresh']);
  });

  it('ids are one space: an SSE id resumes a long-poll and a long-poll id resumes SSE', async () => {
    h = await startHub({ holdMs: 60000 });
    const s = await openSse(h.http);
    await waitFor(() => s.blocks.some((b) => b.id !== undefined));
    await publishAll(2);
    await waitFor(() => s.events().length === 2);
    s.close();
    await publishAll(2, 2);
    const r = await poll(lp(s.events()[1]!.id));
    expect(r.blocks.map((b) => b.data)).toEqual(['e2', 'e3']);
    const back = await openSse(`${h.http}?lastEventId=${encodeURIComponent(r.blocks[0]!.id!)}`);
    await waitFor(() => back.events().length === 1);
    expect(back.events()[0]!.data).toBe('e3');
    back.close();
  });

  it('a held poll whose client goes away is released', async () => {
    h = await startHub({ holdMs: 60000 });
    const head = (await poll(lp())).blocks[0]!.id!;
    const abort = new AbortController();
    const held = fetch(lp(head), { signal: abort.signal }).catch(() => undefined);
    await waitFor(() => h.hub.stats().longPoll === 1);
    abort.abort();
    await held;
    await waitFor(() => h.hub.stats().longPoll === 0);
  });
});
