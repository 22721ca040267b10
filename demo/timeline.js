// A live strip chart of one client: time runs left to right (now at the right
// edge), the client's `state` is a colored band, and every reconnect attempt is a
// marker labelled with its number and the delay the policy chose. Errors and
// chaos actions get markers of their own. Plain canvas, redrawn a few times a second.

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
/** Label baselines above the band (attempts) and below it (errors, chaos), nearest first. */
const TOP_ROWS = [25, 13];
const BELOW_ROWS = [ROWS.below + 4, ROWS.below + 16, ROWS.below + 28];

export class Timeline {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas, { windowMs = 60000 } = {}) {
    this.canvas = canvas;
    this.windowMs = windowMs;
    /** @type {{ t: number, state: string }[]} */
    this.states = [{ t: Date.now(), state: 'closed' }];
    /** @type {{ t: number, kind: 'attempt' | 'open' | 'error' | 'chaos' | 'fallback', label: string, until?: number }[]} */
    this.marks = [];
    this.dirty = true;
    new ResizeObserver(() => (this.dirty = true)).observe(canvas);
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

    // grid: a line every 5 s, labelled every 10 s
    g.strokeStyle = GRID;
    g.fillStyle = MUTED;
    g.lineWidth = 1;
    g.textAlign = 'center';
    for (let s = 0; s * 1000 <= this.windowMs; s += 5) {
      const gx = Math.round(x(now - s * 1000)) + 0.5;
      g.beginPath();
      g.moveTo(gx, ROWS.band - 4);
      g.lineTo(gx, ROWS.axis - 10);
      g.stroke();
      if (s % 10 === 0) g.fillText(s === 0 ? 'now' : `-${s}s`, Math.min(Math.max(gx, left + 12), right - 12), ROWS.axis + 4);
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

    // markers, labels kept apart: a label takes the first row where it does not
    // overlap the previous one; with every row taken it is left out (the marker stays)
    const lastEnd = { top: TOP_ROWS.map(() => -Infinity), below: BELOW_ROWS.map(() => -Infinity) };
    const label = (area, mx, text) => {
      const w = g.measureText(text).width;
      const ends = lastEnd[area];
      const row = ends.findIndex((end) => end <= mx - w / 2 - 6);
      if (row < 0) return;
      ends[row] = mx + w / 2;
      g.fillText(text, Math.min(Math.max(mx, left + w / 2), right - w / 2), (area === 'top' ? TOP_ROWS : BELOW_ROWS)[row]);
    };
    g.textAlign = 'center';
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
        label('top', mx, m.label);
      } else if (m.kind === 'open' || m.kind === 'fallback') {
        g.fillStyle = '#ffffff';
        g.strokeStyle = INK;
        g.beginPath();
        g.arc(mx, ROWS.band + ROWS.bandHeight / 2, 3.5, 0, Math.PI * 2);
        g.fill();
        g.stroke();
        if (m.kind === 'fallback') {
          g.fillStyle = INK;
          label('below', mx, m.label);
        }
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
        label('below', mx, m.label);
      }
    }
  }
}
