// The demo's chat room: one conversation reachable over every transport.
//
// Clients send JSON: {"type":"join"|"leave","name"} or {"type":"says","name","text","cid"}
// over their WebSocket or as HTTP POSTs (pushline's `send()` on SSE, long-poll and
// worker-poll). The room numbers each message (`seq`) and hands it to everyone:
// - WebSocket clients, as a text message;
// - the event hub, as an SSE event of type `chat` (SSE streams and long-polls);
// - a status document holding the latest messages (worker-poll clients).
// HTTP sends are delivered at least once, so a message id (`cid`) chosen by the
// client makes a retried POST harmless.

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
 *   hub: import('./server/events.mjs').EventHub,
 *   doc: import('./server/status.mjs').Status,
 *   keep?: number,
 *   onMessage?: (message: ChatMessage) => void,
 * }} options `keep`: messages kept (and published in the document)
 */
export function createChatRoom({ hub, doc, keep = 50, onMessage = () => {} }) {
  /** @type {ChatMessage[]} */
  const log = [];
  /** @type {Set<import('ws').WebSocket>} */
  const sockets = new Set();
  const seen = new Set();
  /** name -> last time seen, for the "online" list */
  const online = new Map();
  let seq = 0;

  const publishDoc = () => doc.set(JSON.stringify({ seq, online: names(), messages: log }));
  const names = () => [...online.keys()].sort((a, b) => a.localeCompare(b));
  publishDoc();

  /**
   * Takes one client message (text); returns the message as published, or an error string.
   * @param {string} text
   * @param {string} via the transport it came over ('websocket' is decided by the server)
   */
  function post(text, via) {
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
    const message = { type: input.type, seq: 0, at: Date.now(), name, via: VIA.has(input.via) ? input.via : via };
    if (input.type === 'says') {
      const said = clean(input.text, MAX_TEXT);
      if (!said) return 'empty message';
      message.text = said;
    }
    if (cid) {
      message.cid = cid;
      seen.add(cid);
      if (seen.size > MAX_SEEN) seen.delete(seen.values().next().value);
    }
    if (message.type === 'leave') online.delete(name);
    else online.set(name, message.at);
    publish(message);
    return message;
  }

  function publish(message) {
    message.seq = ++seq;
    log.push(message);
    if (log.length > keep) log.splice(0, log.length - keep);
    const json = JSON.stringify(message);
    hub.publish('chat', json);
    for (const ws of sockets) if (ws.readyState === 1) ws.send(json);
    publishDoc();
    onMessage(message);
  }

  return {
    /** HTTP sends (the hub's `onMessage`): text bodies only, binary is ignored. */
    receive(data, via = 'http') {
      if (typeof data === 'string') post(data, via);
    },

    /** Serves one chat WebSocket: `ping` gets `pong` (heartbeat), anything else is a chat message. */
    attach(ws) {
      sockets.add(ws);
      let name = '';
      ws.on('message', (raw, binary) => {
        if (binary) return;
        const text = String(raw);
        if (text === 'ping') return ws.send('pong');
        const result = post(text, 'websocket');
        if (typeof result === 'string') {
          if (result !== 'duplicate') ws.send(JSON.stringify({ type: 'error', message: result }));
        } else if (result.type === 'join') name = result.name;
        else if (result.type === 'leave') name = '';
      });
      ws.on('close', (code) => {
        sockets.delete(ws);
        // 1001 "going away": the tab was closed or left. Other closes (drops,
        // heartbeat failures) are followed by a reconnect, so the name stays.
        if (code === 1001 && name) post(JSON.stringify({ type: 'leave', name }), 'websocket');
      });
    },

    /** Sends `data` to every WebSocket client (stats ticks). */
    broadcast(data) {
      for (const ws of sockets) if (ws.readyState === 1) ws.send(data);
    },

    get sockets() {
      return sockets.size;
    },
    get count() {
      return seq;
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
