// Real pushline clients inside a Chromium page (the built dist/pushline.mjs,
// loaded as `globalThis.P` by loadModule), each recording what it got and what
// it went through, read back from Node. Sends are made by the page itself, so
// they go through the real send pump, its queue and its retransmits.
import type { Page } from 'playwright-core';

type Pushline = typeof import('../../src/entries/index.js');

/** What one page client recorded. */
export interface ClientRecord {
  name: string;
  /** `message` data, in arrival order. */
  got: string[];
  /** `lastEventId` of each message, in arrival order. */
  ids: string[];
  resets: number;
  opens: number;
  connecting: number;
  /** Each `reconnecting` event's payload. */
  reconnecting: Array<{ attempt: number; delayMs: number; reason: string }>;
  /** `error` events' messages. */
  errors: string[];
  /** `send()` calls that returned false (queue full). */
  refused: number;
  /** The order of what happened: 'message', 'open', 'reconnecting', 'reset'. */
  timeline: string[];
}

interface Entry extends ClientRecord {
  client: InstanceType<Pushline['RealtimeClient']>;
}

interface PageState {
  P: Pushline;
  pl: Record<string, Entry>;
}

/** Opens one client per spec in the page (options as JSON: no functions). */
export async function openClients(page: Page, specs: ReadonlyArray<{ name: string; url: string; options: Record<string, unknown> }>): Promise<void> {
  await page.evaluate((specs) => {
    const w = globalThis as unknown as PageState;
    w.pl ??= {};
    for (const { name, url, options } of specs) {
      const client = new w.P.RealtimeClient(url, options);
      const r: Entry = { name, client, got: [], ids: [], resets: 0, opens: 0, connecting: 0, reconnecting: [], errors: [], refused: 0, timeline: [] };
      client.on('message', (e) => {
        r.got.push(String(e.data));
        r.ids.push(e.lastEventId);
        r.timeline.push('message');
      });
      client.on('reset', () => (r.resets++, r.timeline.push('reset')));
      client.on('open', () => (r.opens++, r.timeline.push('open')));
      client.on('connecting', () => r.connecting++);
      client.on('reconnecting', (e) => {
        r.reconnecting.push({ attempt: e.attempt, delayMs: e.delayMs, reason: e.reason });
        r.timeline.push('reconnecting');
      });
      client.on('error', (e) => r.errors.push(String(e.error?.message)));
      w.pl[name] = r;
    }
  }, specs);
}

/** Everything the clients recorded (without the client objects). */
export async function records(page: Page): Promise<Record<string, ClientRecord>> {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageState;
    return Object.fromEntries(Object.entries(w.pl ?? {}).map(([name, { client: _c, ...rest }]) => [name, rest]));
  });
}

/** Messages received so far, per client. */
export async function counts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageState;
    return Object.fromEntries(Object.entries(w.pl ?? {}).map(([name, r]) => [name, r.got.length]));
  });
}

/** Whether every named client has reached readyState OPEN at least once. */
export async function allOpened(page: Page): Promise<boolean> {
  return page.evaluate(() => Object.values((globalThis as unknown as PageState).pl ?? {}).every((r) => r.opens > 0));
}

/** The page sends `plan` in order, one every `gapMs`; resolves when the last `send()` was made. */
export async function sendFromPage(page: Page, plan: ReadonlyArray<{ client: string; data: string }>, gapMs: number): Promise<void> {
  await page.evaluate(
    async ({ plan, gapMs }) => {
      const w = globalThis as unknown as PageState;
      for (const { client, data } of plan) {
        const r = w.pl[client]!;
        if (!r.client.send(data)) r.refused++;
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    },
    { plan, gapMs },
  );
}

/**
 * Waits for every client's `flush()` (in reliable mode: every send acknowledged)
 * for at most `limitMs`; says 'flushed', 'timeout', or the rejection.
 */
export async function flushAll(page: Page, limitMs: number): Promise<string> {
  return page.evaluate(async (limitMs) => {
    const w = globalThis as unknown as PageState;
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), limitMs));
    const flushed = Promise.all(Object.values(w.pl ?? {}).map((r) => r.client.flush())).then(
      () => 'flushed',
      (e: unknown) => `rejected: ${String(e)}`,
    );
    return Promise.race([flushed, timeout]);
  }, limitMs);
}

/** Closes and forgets every client of the page. Safe when the page is gone. */
export async function closeClients(page: Page | undefined): Promise<void> {
  await page
    ?.evaluate(() => {
      const w = globalThis as unknown as PageState;
      for (const r of Object.values(w.pl ?? {})) r.client.close();
      w.pl = {};
    })
    .catch(() => {});
}

/** Waits until `check` holds or `limitMs` passed; says which (the content is asserted next). */
export async function settleAsync(check: () => Promise<boolean>, limitMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return true;
}
