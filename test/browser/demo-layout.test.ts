// The demo page's layout and wording, measured in real Chromium at a phone's
// viewport (390x844) and a desktop's (1400x900): what issue 15 found broken, as
// numbers the page must keep. Every check waits for a condition, never for a time.
// Full-page screenshots of both widths go to test-artifacts/demo-layout/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../helpers/chromium.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/demo-layout');
/** Short delays so reconnects come quickly; an 8 s timeline so labels cross it within the test. */
const FAST = { initialDelayMs: 50, maxDelayMs: 400, heartbeatMs: 300, idleTimeoutMs: 1200, connectTimeoutMs: 1500, pollMs: 100, stats: 0, windowS: 8 };
/**
 * The phone header's ceiling: two lines (brand, state and link; then transport and
 * attempt) at about 24 px each, plus padding, come to about 75 px. 100 px leaves room
 * for font differences and still keeps the sticky bar under 12% of an 844 px screen;
 * the issue measured 166 px, three lines of status plus a wrapped link.
 */
const PHONE_HEADER_MAX = 100;
/** At desktop width the header is one line. */
const DESKTOP_HEADER_MAX = 64;
/** The page's choices in the transport picker, with the name the page must show for each. */
const NAMES = {
  websocket: 'websocket',
  sse: 'sse (EventSource)',
  'sse-fetch': 'sse (fetch)',
  'long-poll': 'long-poll',
  'worker-poll': 'worker-poll',
} as const;
type Choice = keyof typeof NAMES;

interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}
interface Win {
  demo: {
    ready: boolean;
    client: { state: string; transport: string | null } | null;
    records: { type: string; t: number }[];
    timeline: { marks: { t: number; kind: string }[]; windowMs: number };
  };
  /** The boxes of the text drawn on the timeline canvas, one array per frame. */
  timelineFrames: Box[][];
}

let server: DemoServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startDemoServer({ port: 0, tickMs: 200, retryMs: 250 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  await server?.close();
});

/**
 * Records what the timeline draws: every `fillText` on the #timeline canvas, as the box
 * its glyphs cover (the canvas's own text metrics, so whatever font Chromium picked),
 * and a new frame at every clear. The page's code is not asked where it put anything.
 */
function recordTimelineText(): void {
  const frames: Box[][] = [];
  (globalThis as unknown as Win).timelineFrames = frames;
  const proto = CanvasRenderingContext2D.prototype;
  const { clearRect, fillText } = proto;
  proto.clearRect = function (...args: Parameters<typeof clearRect>) {
    if (this.canvas.id === 'timeline') frames.push([]);
    return clearRect.apply(this, args);
  };
  proto.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
    if (this.canvas.id === 'timeline' && frames.length) {
      const m = this.measureText(text);
      frames[frames.length - 1]!.push({
        text,
        left: x - m.actualBoundingBoxLeft,
        right: x + m.actualBoundingBoxRight,
        top: y - m.actualBoundingBoxAscent,
        bottom: y + m.actualBoundingBoxDescent,
      });
    }
    return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
  };
}

async function openDemo(width: number, height: number, transport: Choice, name: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  await page.addInitScript(recordTimelineText);
  const query = new URLSearchParams(Object.entries({ ...FAST, transport, name }).map(([k, v]) => [k, String(v)]));
  await page.goto(`${server.url}/?${query}`);
  await isOpen(page);
  return page;
}

const isOpen = (page: Page): Promise<unknown> => page.waitForFunction(() => (globalThis as unknown as Win).demo?.client?.state === 'open', null, { timeout: 15000 });

/** Picks a transport with the page's own picker (the label is what a person clicks). */
async function pick(page: Page, choice: Choice): Promise<void> {
  await page.click(`label[for="transport-${choice}"]`);
  await page.waitForFunction((c) => new URLSearchParams(globalThis.location.search).get('transport') === c, choice);
  await isOpen(page);
}

/** Every layout number the issue measured, in one look at the page. */
function measure(): {
  header: number;
  scrollWidth: number;
  innerWidth: number;
  wide: string[];
  wrappedNames: string[];
  placeholder: { text: string; scrollWidth: number; clientWidth: number };
} {
  const doc = globalThis.document;
  const describe = (el: Element): string => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`;
  // elements sticking out of the viewport on the right (the ones making the page scroll sideways)
  const wide = [...doc.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > globalThis.innerWidth + 0.5)
    .map((el) => `${describe(el)} (right ${Math.round(el.getBoundingClientRect().right)})`);
  // a text that wraps spreads over more than one line box: count the distinct line tops of a range
  const lines = (range: Range): number => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  const wrappedNames: string[] = [];
  // every transport name anywhere in the page's text (status bar, picker, hints, chat, log, tiles)
  const NAME = /sse \((?:eventsource|fetch)\)|websocket|long-poll|worker-poll/gi;
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    for (const match of node.data.matchAll(NAME)) {
      const range = doc.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lines(range) > 1) wrappedNames.push(`“${match[0]}” in ${describe(node.parentElement!)} on ${lines(range)} lines`);
    }
  }
  // and the labels that must stay whole: the status bar's transport, the chat's meta lines
  for (const el of doc.querySelectorAll('#transport, .chat-list .msg small')) {
    const range = doc.createRange();
    range.selectNodeContents(el);
    if (lines(range) > 1) wrappedNames.push(`${describe(el)} “${el.textContent}” on ${lines(range)} lines`);
  }
  // Chromium does not count a placeholder in scrollWidth: measure the same text as a value
  const input = doc.getElementById('chat-text') as HTMLInputElement;
  input.value = input.placeholder;
  const placeholder = { text: input.placeholder, scrollWidth: input.scrollWidth, clientWidth: input.clientWidth };
  input.value = '';
  return {
    header: doc.querySelector('header')!.getBoundingClientRect().height,
    scrollWidth: doc.documentElement.scrollWidth,
    innerWidth: globalThis.innerWidth,
    wide,
    wrappedNames,
    placeholder,
  };
}

/** Label boxes of one timeline frame that overlap another, or stick out of the canvas. */
function collisions(frame: Box[], width: number): string[] {
  const out: string[] = [];
  const show = (b: Box): string => `“${b.text}” [${b.left.toFixed(1)}..${b.right.toFixed(1)} x ${b.top.toFixed(1)}..${b.bottom.toFixed(1)}]`;
  frame.forEach((a, i) => {
    if (a.left < 0 || a.right > width) out.push(`${show(a)} outside the canvas (0..${width})`);
    for (const b of frame.slice(i + 1)) {
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) out.push(`${show(a)} overlaps ${show(b)}`);
    }
  });
  return out;
}

describe.each([
  // short names, as people pick: a long one would push the chat's meta line down and leave the text room
  { device: 'phone', width: 390, height: 844, headerMax: PHONE_HEADER_MAX, who: 'Ada' },
  { device: 'desktop', width: 1400, height: 900, headerMax: DESKTOP_HEADER_MAX, who: 'Dax' },
])('demo page on a $device ($width x $height)', ({ device, width, height, headerMax, who }) => {
  let page: Page;
  beforeAll(async () => {
    // native SSE has the longest transport name to show
    page = await openDemo(width, height, 'sse', who);
  });
  afterAll(async () => {
    await page?.close();
  });

  const checkLayout = async (): Promise<void> => {
    const m = await page.evaluate(measure);
    expect(m.header, 'header height (px)').toBeLessThanOrEqual(headerMax);
    expect(m.wide, 'elements wider than the viewport').toEqual([]);
    expect(m.scrollWidth, 'document width').toBeLessThanOrEqual(m.innerWidth);
    expect(m.wrappedNames, 'transport names broken over lines').toEqual([]);
    expect(m.placeholder.scrollWidth, `the chat placeholder “${m.placeholder.text}” fits its input`).toBeLessThanOrEqual(m.placeholder.clientWidth);
  };

  it('fits the viewport: compact header, nothing sideways, names on one line, the chat placeholder whole', async () => {
    await page.fill('#chat-text', `hello from a ${device}`);
    await page.press('#chat-text', 'Enter');
    await page.waitForSelector('.chat-list .msg:not(.pending) >> text=hello from a');
    await checkLayout();
  });

  it('keeps fitting while reconnecting (the longest state texts)', async () => {
    server.chaos.refuse(30);
    server.chaos.drop();
    try {
      await page.waitForFunction(() => (globalThis as unknown as Win).demo.client?.state === 'reconnecting');
      await checkLayout();
    } finally {
      server.chaos.reset();
    }
    await isOpen(page);
  });

  it('names the SSE mode: EventSource or fetch, in the status bar and the chat', async () => {
    for (const choice of ['sse', 'sse-fetch'] as const) {
      await pick(page, choice);
      await expect.poll(() => page.textContent('#transport')).toBe(NAMES[choice]);
      // the page's own join line, as the server relayed it
      await page.waitForFunction(
        ([name, via]) => [...globalThis.document.querySelectorAll('.chat-list .msg-join')].some((li) => li.querySelector('b')!.textContent === name && li.textContent!.includes(`joined via ${via}`)),
        [who, NAMES[choice]] as const,
      );
    }
  });

  it('logs the close of the old connection on every switch, whichever transport it was', async () => {
    const order: Choice[] = ['websocket', 'sse', 'sse-fetch', 'long-poll', 'worker-poll', 'websocket'];
    await pick(page, order[0]!);
    for (let i = 1; i < order.length; i++) {
      const from = order[i - 1]!;
      const before = await page.locator('#log li').count();
      await pick(page, order[i]!);
      // the old client's final close, logged before the new client's first attempt
      const entries = await page.$$eval('#log li', (lis, skip) => lis.slice(skip).map((li) => ({ kind: li.querySelector('.kind')!.textContent, text: li.lastElementChild!.textContent })), before);
      const closed = entries.findIndex((e) => e.kind === 'close' && e.text!.startsWith(`${NAMES[from]}:`) && e.text!.includes('final'));
      const connecting = entries.findIndex((e) => e.kind === 'connecting');
      expect(closed, `a close line for ${from} among ${JSON.stringify(entries)}`).toBeGreaterThanOrEqual(0);
      expect(closed, `the ${from} close comes before the next connection's first attempt`).toBeLessThan(connecting);
    }
  });

  it('keeps timeline labels apart after quick reconnect attempts', async () => {
    await pick(page, 'websocket');
    await page.evaluate(() => ((globalThis as unknown as Win).timelineFrames.length = 0));
    // drops as fast as the client comes back: attempts close together, at the right edge
    for (let i = 0; i < 10; i++) {
      const opens = await page.evaluate(() => (globalThis as unknown as Win).demo.records.filter((r) => r.type === 'open').length);
      await page.click('#chaos-drop');
      await page.waitForFunction((n) => (globalThis as unknown as Win).demo.records.filter((r) => r.type === 'open').length > n, opens);
    }
    // then watch them cross the whole timeline, until the first attempt leaves on the left
    await page.waitForFunction(() => {
      const { marks, windowMs } = (globalThis as unknown as Win).demo.timeline;
      const attempts = marks.filter((m) => m.kind === 'attempt');
      return attempts.length > 0 && attempts.some((m) => m.t < Date.now() - windowMs);
    }, null, { timeout: 20000 });
    const { frames, canvasWidth } = await page.evaluate(() => ({ frames: (globalThis as unknown as Win).timelineFrames, canvasWidth: (globalThis.document.getElementById('timeline') as HTMLCanvasElement).clientWidth }));
    expect(frames.length).toBeGreaterThan(10);
    // not vacuous: attempt labels ("#3 · 120ms") were drawn, several at once
    expect(Math.max(...frames.map((f) => f.filter((b) => b.text.startsWith('#')).length)), 'attempt labels drawn in one frame').toBeGreaterThanOrEqual(2);
    const bad = frames.map((f, i) => ({ frame: i, problems: collisions(f, canvasWidth) })).filter((f) => f.problems.length);
    expect(bad.slice(0, 3), `${bad.length} of ${frames.length} frames with colliding labels`).toEqual([]);
  });

  it('still fits with every transport named in the chat and the log', async () => {
    await checkLayout();
  });

  it('screenshot', async () => {
    await page.evaluate(() => {
      (globalThis.document.activeElement as HTMLElement | null)?.blur();
      globalThis.scrollTo(0, 0);
    });
    await page.screenshot({ path: join(ARTIFACTS, `${width}x${height}.png`), fullPage: true });
  });
});
