// The chat list: messages kept in `seq` order whatever path they took (a WebSocket
// message, an SSE `chat` event, a long-poll batch, the worker-poll document, or
// the backfill after a reconnect), each shown once. Own messages appear at once,
// greyed, and are confirmed when the server's copy (same `cid`) comes back.
import { viaName, withNames } from '/config.js';

const MAX_SHOWN = 500;
const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#4d7c0f'];
const hue = (name) => PALETTE[[...name].reduce((h, c) => (h * 31 + c.codePointAt(0)) >>> 0, 7) % PALETTE.length];
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export class ChatView {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    /** Every message shown, by seq (confirmed) */
    this.bySeq = new Map();
    /** Own messages waiting for the server's copy, by cid */
    this.pending = new Map();
    this.lastSeq = 0;
  }

  /** The messages shown, in order (for tests and the log). */
  get messages() {
    return [...this.bySeq.values()].map(({ message }) => message);
  }

  /** Shows an own message before the server confirms it. */
  pend(message) {
    const row = this.#row(message, true);
    this.pending.set(message.cid, row);
    this.list.append(row);
    this.#scroll();
  }

  /** Adds one message from the server; returns false when it was already shown. */
  add(message) {
    if (!message || typeof message.seq !== 'number' || this.bySeq.has(message.seq)) return false;
    const row = this.#row(message, false);
    const mine = message.cid && this.pending.get(message.cid);
    if (mine) {
      this.pending.delete(message.cid);
      mine.remove();
    }
    // usually the newest; a backfill may bring older ones: insert in seq order, and
    // keep the map in seq order too (the oldest is evicted first, `messages` is in order)
    let next;
    for (const seq of this.bySeq.keys()) if (seq > message.seq && (next === undefined || seq < next)) next = seq;
    this.list.insertBefore(row, next === undefined ? this.#firstPending() : this.bySeq.get(next).row);
    this.bySeq.set(message.seq, { message, row });
    if (next !== undefined) this.bySeq = new Map([...this.bySeq].sort(([a], [b]) => a - b));
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    // a tab left open for days keeps the latest messages only
    if (this.bySeq.size > MAX_SHOWN) {
      const [oldest, entry] = this.bySeq.entries().next().value;
      entry.row.remove();
      this.bySeq.delete(oldest);
    }
    this.#scroll();
    return true;
  }

  #firstPending() {
    return this.pending.values().next().value ?? null;
  }

  #row(message, pending) {
    const li = document.createElement('li');
    li.className = `msg msg-${message.type}${pending ? ' pending' : ''}`;
    li.dataset.seq = String(message.seq ?? '');
    const who = document.createElement('b');
    who.textContent = message.name;
    who.style.color = hue(message.name);
    const meta = document.createElement('small');
    const via = viaName(message);
    meta.textContent = pending ? 'sending…' : `${via} · #${message.seq} · ${time(message.at)}`;
    if (message.type === 'says') {
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = message.text;
      li.append(who, text, meta);
    } else {
      const text = document.createElement('span');
      text.className = 'text';
      text.append(...withNames(message.type === 'join' ? ` joined via ${via}` : ' left'));
      li.append(who, text, meta);
    }
    return li;
  }

  #scroll() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
