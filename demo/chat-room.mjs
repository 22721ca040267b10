// The demo's chat room: one conversation over every transport and every demo
// process, on a pushline/server hub.
//
// Clients send JSON: {"type":"join"|"leave","name"} or {"type":"says","name","text","cid"}
// over their WebSocket or as HTTP POSTs (pushline's `send()` on SSE, long-poll and
// worker-poll); the hub hands each to `message` listeners. The room checks it,
// numbers it (`seq`, from a counter all processes share) and publishes it as an
// event named `chat`: WebSocket clients get its JSON as a text message, SSE and
// long-poll clients an `event: chat`. Every process builds its view (the latest
// messages, who is online, the worker-poll document) from the hub's `publish`
// events, so they agree whichever process a message came in through. HTTP
// sends without a session are at least once, so a message id (`cid`) chosen by
// the client makes a retried POST harmless.

const TYPES = new Set(['join', 'leave', 'says']);
const VIA = new Set(['websocket', 'sse', 'long-poll', 'worker-poll']);
const MAX_NAME = 32;
const MAX_TEXT = 500;
/** How many recent client ids are remembered to drop duplicate POSTs. */
const MAX_SEEN = 2000;
// controls and bidi overrides: a name must not rewrite the page around it
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const clean = (value, max) => (typeof value === 'string' ? value.replace(UNSAFE, '').trim().slice(0, max) : '');

/**
 * @typedef {{ type: 'join' | 'leave' | 'says', seq: number, at: number, name: string, via: string, text?: string, cid?: string }} ChatMessage
 */

/**
 * @param {{
 *   hub: import('../src/entries/server.js').Hub,
 *   doc: import('./server/status.mjs').Status,
 *   nextSeq: () => Promise<number>,
 *   keep?: number,
 *   onMessage?: (message: ChatMessage) => void,
 *   onError?: (error: unknown) => void,
 * }} options `keep`: messages kept (and published in the document); `nextSeq`: the shared counter
 */
export function createChatRoom({ hub, doc, nextSeq, keep = 50, onMessage = () => {}, onError = () => {} }) {
  /** @type {ChatMessage[]} */
  const log = [];
  const seen = new Set();
  /** name -> last time seen, for the "online" list */
  const online = new Map();
  /** WebSocket connection -> the name it joined as, for the leave when the tab goes away */
  const joined = new Map();
  let count = 0;

  const names = () => [...online.keys()].sort((a, b) => a.localeCompare(b));
  const publishDoc = () => doc.set(JSON.stringify({ seq: count, online: names(), messages: log }));
  publishDoc();

  const remember = (cid) => {
    seen.add(cid);
    if (seen.size > MAX_SEEN) seen.delete(seen.values().next().value);
  };

  /** A chat event from the log, whichever process published it. */
  function apply(message) {
    count = Math.max(count, message.seq);
    log.push(message);
    log.sort((a, b) => a.seq - b.seq);
    if (log.length > keep) log.splice(0, log.length - keep);
    if (message.cid) remember(message.cid);
    if (message.type === 'leave') online.delete(message.name);
    else online.set(message.name, message.at);
    publishDoc();
    onMessage(message);
  }

  /**
   * Takes one client message (text); resolves with the message as published, or an error string.
   * @param {string} text
   * @param {string} via the transport it came over, when the client does not say
   */
  async function post(text, via) {
    let input;
    try {
      input = JSON.parse(text);
    } catch {
      return 'not JSON';
    }
    if (!input || typeof input !== 'object' || !TYPES.has(input.type)) return 'unknown type';
    const name = clean(input.name, MAX_NAME);
    if (!name) return 'a name is required';
    const cid = clean(input.cid, 64);
    if (cid && seen.has(cid)) return 'duplicate';
    if (cid) remember(cid);
    const message = { type: input.type, seq: 0, at: Date.now(), name, via: VIA.has(input.via) ? input.via : via };
    if (input.type === 'says') {
      const said = clean(input.text, MAX_TEXT);
      if (!said) return 'empty message';
      message.text = said;
    }
    if (cid) message.cid = cid;
    message.seq = await nextSeq();
    await hub.publish(JSON.stringify(message), { event: 'chat' });
    return message;
  }

  hub.on('publish', ({ event, data }) => {
    if (event !== 'chat' || typeof data !== 'string') return;
    try {
      apply(JSON.parse(data));
    } catch (error) {
      onError(error);
    }
  });

  // returned promise: the hub acknowledges the send (2xx, ack) once it is published
  hub.on('message', async ({ data, transport, connectionId }) => {
    if (typeof data !== 'string' || data === 'ping') return;
    const result = await post(data, transport === 'websocket' ? 'websocket' : 'http');
    if (typeof result === 'string' || transport !== 'websocket') return;
    if (result.type === 'join') joined.set(connectionId, result.name);
    else if (result.type === 'leave') joined.delete(connectionId);
  });

  hub.on('disconnect', ({ connectionId, code }) => {
    const name = joined.get(connectionId);
    joined.delete(connectionId);
    // 1001 "going away": the tab was closed or left. Other closes (drops,
    // heartbeat failures) are followed by a reconnect, so the name stays.
    if (code === 1001 && name) void post(JSON.stringify({ type: 'leave', name }), 'websocket').catch(onError);
  });

  return {
    get count() {
      return count;
    },
    get online() {
      return names();
    },
    /** Forgets names not heard of for `idleMs` (a tab that vanished without a leave). */
    prune(idleMs) {
      const before = Date.now() - idleMs;
      let changed = false;
      for (const [who, at] of online) if (at < before && online.delete(who)) changed = true;
      if (changed) publishDoc();
    },
    log,
  };
}
