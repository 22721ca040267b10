// A live strip chart of one client: time runs left to right (now at the right
// edge), the client's `state` is a colored band, and every reconnect attempt is a
// marker labelled with its number and the delay the policy chose. Errors and
// chaos actions get markers of their own. Plain canvas, redrawn a few times a second.
// Labels never overlap: each takes the first row where it fits, and one that fits
// nowhere is left out; pointing at (or tapping) a marker lists every label there.

export const STATE_COLORS = {
  connecting: '#f59e0b',
  open: '#10b981',
  reconnecting: '#f97316',
  closing: '#a78bfa',
  closed: '#cbd5e1',
};
const INK = '#0f172a';
const MUTED = '#64748b';
const GRID = '#e2e8f0';
const ERROR = '#dc2626';
const CHAOS = '#7c3aed';
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Row layout, in CSS pixels from the top (text positions are baselines). */
const ROWS = { band: 38, bandHeight: 30, below: 84, axis: 130, height: 138 };
/**
 * Label baselines above the band (attempts) and below it (errors, chaos, fallbacks),
 * nearest first. 12 px apart: the glyphs of an 11 px label span less than that.
 */
const TOP_ROWS = [25, 13];
const BELOW_ROWS = [ROWS.below + 4, ROWS.below + 16, ROWS.below + 28];
/** Room kept between two labels of one row, in CSS px. */
const LABEL_GAP = 6;
/** Axis label steps to choose from (seconds), and the fewest pixels between two labels. */
const AXIS_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
const AXIS_MIN_PX = 48;
/** How near the pointer must come to a marker (CSS px) for the tooltip to list it. */
const HIT_PX = 6;
const KIND_WORDS = { attempt: 'attempt', open: '', error: 'error', chaos: 'chaos', fallback: 'fallback' };

/**
 * Lays labels out in rows with no overlaps. Each label is centred on its marker but
 * kept inside [left, right], and its drawn box (not the marker's position) is what is
 * checked against every label already in a row. Give the items newest first: when
 * every row is taken, the older labels are the ones left out.
 * @template {{ x: number, width: number }} T
 * @param {T[]} items
 * @param {number} rows
 * @returns {(T & { cx: number, row: number })[]} the labels placed, `cx` the drawn centre
 */
export function placeLabels(items, rows, left, right) {
  /** @type {[number, number][][]} taken spans per row */
  const taken = Array.from({ length: rows }, () => []);
  const placed = [];
  for (const item of items) {
    if (item.width > right - left) continue;
    const half = item.width / 2;
    const cx = Math.min(Math.max(item.x, left + half), right - half);
    const from = cx - half - LABEL_GAP / 2;
    const to = cx + half + LABEL_GAP / 2;
    const row = taken.findIndex((spans) => spans.every(([a, b]) => to <= a || from >= b));
    if (row < 0) continue;
    taken[row].push([from, to]);
    placed.push({ ...item, cx, row });
  }
  return placed;
}

/** The axis label step (s) for a window: at most 8 labels, at least AXIS_MIN_PX apart. */
function axisStep(windowS, pxPerS) {
  return AXIS_STEPS.find((s) => windowS / s <= 8 && s * pxPerS >= AXIS_MIN_PX) ?? AXIS_STEPS.at(-1);
}

/** Minutes only when every label is a whole minute: "-1m" next to "-50s" reads as a typo. */
const axisLabel = (s, step) => (s === 0 ? 'now' : step >= 60 ? `-${s / 60}m` : `-${s}s`);

export class Timeline {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ windowMs?: number, tip?: HTMLElement | null }} [options] `tip`: an element (positioned
   *   against the canvas's parent) that lists the markers under the pointer
   */
  constructor(canvas, { windowMs = 60000, tip = null } = {}) {
    this.canvas = canvas;
    this.windowMs = windowMs;
    this.tip = tip;
    /** @type {{ t: number, state: string }[]} */
    this.states = [{ t: Date.now(), state: 'closed' }];
    /** @type {{ t: number, kind: 'attempt' | 'open' | 'error' | 'chaos' | 'fallback', label: string, until?: number }[]} */
    this.marks = [];
    /** The last frame's time scale, which the tooltip reads. */
    this.view = { now: Date.now(), left: 0, right: 0 };
    this.dirty = true;
    new ResizeObserver(() => (this.dirty = true)).observe(canvas);
    if (tip) this.#listenForTips(tip);
    const loop = () => {
      // redraw while something moves: always, since time moves; cheap at 8 fps
      if (globalThis.document.visibilityState === 'visible') this.draw();
      setTimeout(() => requestAnimationFrame(loop), 120);
    };
    loop();
  }

  state(state, t = Date.now()) {
    if (this.states.at(-1)?.state === state) return;
    this.states.push({ t, state });
    this.#trim();
  }

  mark(kind, label, extra = {}) {
    this.marks.push({ t: Date.now(), kind, label, ...extra });
    this.#trim();
  }

  #trim() {
    const horizon = Date.now() - this.windowMs * 2;
    while (this.states.length > 1 && this.states[1].t < horizon) this.states.shift();
    while (this.marks.length && this.marks[0].t < horizon) this.marks.shift();
  }

  /** A mouse shows the tip while it hovers; a finger has no hover, so a tap shows it and a tap elsewhere hides it. */
  #listenForTips(tip) {
    const showAt = (e) => this.#showTip(e.offsetX);
    this.canvas.addEventListener('pointermove', showAt);
    this.canvas.addEventListener('pointerdown', showAt);
    this.canvas.addEventListener('pointerleave', (e) => {
      if (e.pointerType === 'mouse') tip.hidden = true;
    });
    globalThis.document.addEventListener('pointerdown', (e) => {
      if (e.target !== this.canvas) tip.hidden = true;
    });
  }

  #showTip(px) {
    const { now, left, right } = this.view;
    const x = (t) => right - ((now - t) / this.windowMs) * (right - left);
    const near = this.marks.filter((m) => x(m.t) >= left && Math.abs(x(m.t) - px) <= HIT_PX);
    if (!near.length) {
      this.tip.hidden = true;
      return;
    }
    this.tip.replaceChildren(
      ...near.map((m) => {
        const line = globalThis.document.createElement('div');
        line.textContent = `-${((now - m.t) / 1000).toFixed(1)}s ${[KIND_WORDS[m.kind], m.label].filter(Boolean).join(' ')}`;
        return line;
      }),
    );
    this.tip.hidden = false;
    // centred on the pointer, kept over the canvas
    const width = this.tip.offsetWidth;
    this.tip.style.left = `${Math.min(Math.max(px - width / 2, 0), Math.max(0, this.canvas.clientWidth - width))}px`;
  }

  draw() {
    const { canvas } = this;
    const dpr = globalThis.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = ROWS.height;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.height = `${height}px`;
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = FONT;
    const now = Date.now();
    const left = 8;
    const right = width - 8;
    const x = (t) => right - ((now - t) / this.windowMs) * (right - left);
    this.view = { now, left, right };

    // grid: labelled lines as dense as the width allows, a plain line halfway between
    const windowS = this.windowMs / 1000;
    const step = axisStep(windowS, (right - left) / windowS);
    g.strokeStyle = GRID;
    g.fillStyle = MUTED;
    g.lineWidth = 1;
    g.textAlign = 'center';
    for (let i = 0; (i * step) / 2 <= windowS; i++) {
      const s = (i * step) / 2;
      const gx = Math.round(x(now - s * 1000)) + 0.5;
      g.beginPath();
      g.moveTo(gx, ROWS.band - 4);
      g.lineTo(gx, ROWS.axis - 10);
      g.stroke();
      if (i % 2 === 0) g.fillText(axisLabel(s, step), Math.min(Math.max(gx, left + 12), right - 12), ROWS.axis + 4);
    }

    // state bands, over a pale track for the time before this page was there
    g.fillStyle = '#f1f5f9';
    g.fillRect(left, ROWS.band, right - left, ROWS.bandHeight);
    for (let i = 0; i < this.states.length; i++) {
      const from = Math.max(x(this.states[i].t), left);
      const to = i + 1 < this.states.length ? x(this.states[i + 1].t) : right;
      if (to < left) continue;
      g.fillStyle = STATE_COLORS[this.states[i].state] ?? GRID;
      g.fillRect(from, ROWS.band, Math.max(1, to - from), ROWS.bandHeight);
    }
    g.strokeStyle = GRID;
    g.strokeRect(left + 0.5, ROWS.band + 0.5, right - left - 1, ROWS.bandHeight - 1);

    // markers first; their labels are collected and laid out once all are known
    const labels = { top: [], below: [] };
    const label = (area, mx, text, color) => labels[area].push({ x: mx, width: g.measureText(text).width, text, color });
    for (const m of this.marks) {
      const mx = x(m.t);
      if (mx < left || mx > right + 1) continue;
      if (m.kind === 'attempt') {
        // the wait the policy chose: a bracket from the decision to the attempt
        if (m.until !== undefined) {
          g.strokeStyle = INK;
          g.globalAlpha = 0.35;
          g.beginPath();
          g.moveTo(mx, ROWS.band - 3);
          g.lineTo(Math.min(x(m.until), right), ROWS.band - 3);
          g.stroke();
          g.globalAlpha = 1;
        }
        g.fillStyle = INK;
        g.beginPath();
        g.moveTo(mx - 4, ROWS.band - 9);
        g.lineTo(mx + 4, ROWS.band - 9);
        g.lineTo(mx, ROWS.band - 3);
        g.fill();
        g.fillRect(mx - 0.5, ROWS.band, 1, ROWS.bandHeight);
        label('top', mx, m.label, INK);
      } else if (m.kind === 'open' || m.kind === 'fallback') {
        g.fillStyle = '#ffffff';
        g.strokeStyle = INK;
        g.beginPath();
        g.arc(mx, ROWS.band + ROWS.bandHeight / 2, 3.5, 0, Math.PI * 2);
        g.fill();
        g.stroke();
        if (m.kind === 'fallback') label('below', mx, m.label, INK);
      } else {
        const color = m.kind === 'error' ? ERROR : CHAOS;
        g.fillStyle = color;
        g.strokeStyle = color;
        g.beginPath();
        g.moveTo(mx, ROWS.band + ROWS.bandHeight);
        g.lineTo(mx, ROWS.below - 8);
        g.stroke();
        g.beginPath();
        if (m.kind === 'error') g.arc(mx, ROWS.below - 8, 3, 0, Math.PI * 2);
        else g.rect(mx - 3.5, ROWS.below - 11.5, 7, 7);
        g.fill();
        label('below', mx, m.label, color);
      }
    }

    g.textAlign = 'center';
    for (const [area, baselines] of [['top', TOP_ROWS], ['below', BELOW_ROWS]]) {
      // newest first: the latest attempts are the ones worth reading
      for (const { text, color, cx, row } of placeLabels(labels[area].reverse(), baselines.length, left, right)) {
        g.fillStyle = color;
        g.fillText(text, cx, baselines[row]);
      }
    }
  }
}
