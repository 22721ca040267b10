// The demo page: one RealtimeClient on the transport you pick, its every event on
// a timeline and in a log, a chat room shared with every other tab (whatever
// transport they use), an upload panel, a worker-poll status panel and chaos buttons.
import { RealtimeClient } from '/dist/pushline.mjs';
import { setupChaos } from '/chaos.js';
import { ChatView } from '/chat.js';
import { NUMBERS, TRANSPORTS, chatId, clientOptions, readConfig, sseModeOf, transportName, urlFor, withNames } from '/config.js';
import { setupStats } from '/stats.js';
import { Timeline } from '/timeline.js';
import { setupUpload } from '/upload.js';

const $ = (id) => globalThis.document.getElementById(id);
const READY = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const MAX_LOG = 400;
const config = readConfig();
const timeline = new Timeline($('timeline'), { windowMs: config.windowMs, tip: $('timeline-tip') });
const chat = new ChatView($('chat-list'));
const uid = () => globalThis.crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
const ms = (n) => (n < 1000 ? `${Math.round(n)}ms` : `${(n / 1000).toFixed(n < 10000 ? 1 : 0)}s`);

/** What the page exposes for the whole-system tests (and the curious, in the console). */
const demo = {
  config,
  /** Every client event with its time: `{ t, type, ...payload }`. */
  records: [],
  chat,
  timeline,
  client: null,
  choice: config.transport,
  /** The SSE mode of the current client's options ('native' or 'fetch'), to name its transport. */
  sseMode: 'native',
  pongs: 0,
  lastStats: null,
  joined: false,
};
globalThis.demo = demo;

// --- event log -------------------------------------------------------------------
function log(kind, text) {
  const list = $('log');
  const li = globalThis.document.createElement('li');
  const at = globalThis.document.createElement('time');
  at.textContent = new Date().toLocaleTimeString([], { hour12: false }) + `.${String(Date.now() % 1000).padStart(3, '0')}`;
  const badge = globalThis.document.createElement('span');
  badge.className = `kind kind-${kind}`;
  badge.textContent = kind;
  const body = globalThis.document.createElement('span');
  body.append(...withNames(text));
  li.append(at, badge, body);
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.append(li);
  while (list.childElementCount > MAX_LOG) list.firstElementChild.remove();
  if (stick) list.scrollTop = list.scrollHeight;
}
$('log-clear').addEventListener('click', () => $('log').replaceChildren());

// --- status bar ------------------------------------------------------------------
/** Writes only what changed: the status bar is a live region, and rewriting the same text re-announces it. */
function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

/** The page's name for a transport of the current client. */
const nameOf = (transport) => transportName(transport, demo.sseMode);

function renderStatus() {
  const c = demo.client;
  const state = c?.state ?? 'closed';
  setText('state-pill', state);
  $('state-pill').dataset.state = state;
  const rs = c?.readyState ?? 3;
  setText('ready-state', `${rs} ${READY[rs]}`);
  setText('transport', nameOf(c?.transport));
  setText('attempt', String(c?.attempt ?? 0));
  setText('last-event-id', c?.lastEventId || '—');
  setText('url', c?.url ?? '');
}
setInterval(renderStatus, 500);

// --- the client ------------------------------------------------------------------
function record(type, detail) {
  const entry = { t: Date.now(), type, ...detail };
  demo.records.push(entry);
  if (demo.records.length > 5000) demo.records.splice(0, 1000);
  return entry;
}

function errorLabel(error) {
  switch (error.type) {
    case 'http-status':
      return error.retryAfterMs === undefined ? String(error.status) : `${error.status} · Retry-After ${ms(error.retryAfterMs)}`;
    case 'heartbeat-timeout':
      return 'silent';
    case 'connect-timeout':
      return 'timeout';
    default:
      // a failed fetch arrives as the browser's own TypeError
      return error.type ?? (error.name === 'TypeError' ? 'network' : error.name);
  }
}

function wire(client) {
  const mine = (fn) => (e) => client === demo.client && fn(e);
  // the transport of the attempt under way: a close names the connection it ends
  let current = null;
  client.on('statechange', mine(({ state, previous, readyState }) => {
    record('statechange', { state, previous, readyState });
    timeline.state(state);
    renderStatus();
  }));
  client.on('connecting', mine(({ transport, attempt, url }) => {
    current = transport;
    record('connecting', { transport, attempt, url });
    log('connecting', `${nameOf(transport)} attempt ${attempt} → ${url}`);
  }));
  client.on('open', mine(({ transport }) => {
    current = transport;
    record('open', { transport });
    timeline.mark('open', `open via ${nameOf(transport)}`);
    log('open', `open via ${nameOf(transport)}`);
    // joined once per Connect, when the transport is known (the chain picks it)
    if (!demo.joined) {
      demo.joined = true;
      client.send(JSON.stringify(chatMessage('join')));
    }
    if (transport !== 'worker-poll') void backfill();
  }));
  client.on('close', mine(({ code, reason, wasClean, willReconnect }) => {
    record('close', { code, reason, wasClean, willReconnect });
    log('close', `${nameOf(current)}: code ${code}${reason ? ` “${reason}”` : ''}${wasClean ? ', clean' : ''}${willReconnect ? ', will reconnect' : ', final'}`);
  }));
  client.on('reconnecting', mine(({ attempt, delayMs, reason }) => {
    record('reconnecting', { attempt, delayMs, reason });
    timeline.mark('attempt', `#${attempt} · ${ms(delayMs)}`, { until: Date.now() + delayMs });
    log('reconnecting', `attempt ${attempt} in ${ms(delayMs)} (${reason})`);
  }));
  client.on('fallback', mine(({ from, to, reason }) => {
    record('fallback', { from, to, reason });
    timeline.mark('fallback', `${nameOf(from)} → ${nameOf(to)}`);
    log('fallback', `${nameOf(from)} → ${nameOf(to)} (${reason})`);
  }));
  client.on('error', mine(({ error }) => {
    const { name, type: errorType, message, status, retryAfterMs } = error;
    record('error', { name, errorType, message, status, retryAfterMs });
    timeline.mark('error', errorLabel(error));
    log('error', `${name}: ${message}`);
  }));
  client.on('message', mine((e) => onData(e.data)));
  // SSE and long-poll carry typed events: `event: chat` and `event: stats`
  client.on('chat', mine((e) => onData(e.data)));
  client.on('stats', mine((e) => onData(e.data)));
}

/** Every inbound payload, whatever transport brought it. */
function onData(data) {
  if (data === 'pong') {
    demo.pongs++;
    return;
  }
  let m;
  try {
    m = JSON.parse(data);
  } catch {
    log('message', String(data).slice(0, 200));
    return;
  }
  if (Array.isArray(m.messages)) {
    // worker-poll: the whole chat log document, of which only the new part is news
    for (const message of m.messages) if (chat.add(message)) logChat(message);
  } else if (m.type === 'stats') {
    demo.lastStats = m;
    $('server-line').textContent = `server tick #${m.tick} · ${m.clients.websocket} WebSocket, ${m.clients.sse} SSE, ${m.clients.longPoll} held polls`;
  } else if (m.type === 'error') log('error', `server: ${m.message}`);
  else if (chat.add(m)) logChat(m);
}

const logChat = (m) => log('chat', m.type === 'says' ? `#${m.seq} ${m.name}: ${m.text}` : `#${m.seq} ${m.name} ${m.type === 'join' ? 'joined' : 'left'}`);

/** After a (re)connect, fetches what was said meanwhile: WebSocket has no resume cursor of its own. */
async function backfill() {
  try {
    const res = await fetch(`${config.server}/chat/log`, { credentials: config.credentials ? 'include' : 'same-origin', cache: 'no-store' });
    if (!res.ok) return;
    const doc = await res.json();
    let added = 0;
    for (const message of doc.messages ?? []) if (chat.add(message)) added++;
    if (added) log('chat', `${added} message${added > 1 ? 's' : ''} from the chat log (said before this connection)`);
  } catch {
    // the next open tries again
  }
}

const name = () => $('chat-name').value.trim() || 'guest';
function chatMessage(type, extra = {}) {
  const via = demo.client?.transport ?? demo.choice;
  return { type, name: name(), cid: chatId(via, demo.sseMode, uid()), via, ...extra };
}

/** Bumped by every Connect, transport pick and Disconnect: a connect still waiting for the old close gives way to a later one. */
let generation = 0;

async function connect() {
  const turn = ++generation;
  // The old client's events are ignored once a new one is current, and how soon a
  // close is reported depends on the transport (at once for EventSource, after the
  // closing handshake for WebSocket): so the new client starts only after the old
  // one's final close has been logged, and every switch reads the same.
  await disconnect();
  if (turn !== generation) return;
  const options = clientOptions(config, demo.choice);
  const client = new RealtimeClient(({ transport }) => urlFor(config, transport), options);
  demo.client = client;
  demo.sseMode = sseModeOf(options);
  wire(client);
  demo.joined = false;
  log('info', `connect: ${TRANSPORTS[demo.choice].label}`);
  client.connect();
  renderStatus();
}

/** Closes the current client; resolves once its final `close` event has been logged. */
function disconnect() {
  const client = demo.client;
  if (!client || client.state === 'closed') return Promise.resolve();
  const closed = new Promise((done) => {
    const off = client.on('close', ({ willReconnect }) => {
      if (willReconnect) return;
      off();
      done();
    });
  });
  leave(client);
  client.close(1000, 'bye');
  return closed;
}

/** Says goodbye: over the socket on WebSocket (then closed), as a beacon on the HTTP transports. */
function leave(client) {
  const bye = JSON.stringify(chatMessage('leave'));
  if (client.transport === 'websocket' && client.readyState === 1) client.send(bye);
  else if (client.readyState === 1) globalThis.navigator.sendBeacon(`${config.server}/events`, bye);
}

// --- controls --------------------------------------------------------------------
const picker = $('transport-picker');
for (const [value, { label }] of Object.entries(TRANSPORTS)) {
  const id = `transport-${value}`;
  const input = Object.assign(globalThis.document.createElement('input'), { type: 'radio', name: 'transport', id, value, checked: value === demo.choice });
  const lab = Object.assign(globalThis.document.createElement('label'), { htmlFor: id, textContent: label });
  picker.append(input, lab);
}
const showHint = () => ($('transport-hint').textContent = TRANSPORTS[demo.choice].hint);
picker.addEventListener('change', (e) => {
  demo.choice = e.target.value;
  showHint();
  const url = new URL(globalThis.location.href);
  url.searchParams.set('transport', demo.choice);
  globalThis.history.replaceState(null, '', url);
  if (demo.client && demo.client.state !== 'closed') void connect();
});
showHint();

const options = $('options');
for (const [key, , label] of NUMBERS) {
  const lab = globalThis.document.createElement('label');
  const input = Object.assign(globalThis.document.createElement('input'), { type: 'number', min: '0', step: '50', value: String(config[key]), id: `opt-${key}` });
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (Number.isFinite(value) && value >= 0) config[key] = value;
  });
  lab.append(label, input);
  options.append(lab);
}

$('connect').addEventListener('click', () => void connect());
$('disconnect').addEventListener('click', () => {
  generation++;
  void disconnect();
});
$('reconnect').addEventListener('click', () => demo.client?.reconnect());

const stored = globalThis.localStorage?.getItem('pushline-demo-name');
$('chat-name').value = config.name || stored || `guest-${Math.floor(100 + Math.random() * 900)}`;
$('chat-name').addEventListener('change', () => globalThis.localStorage?.setItem('pushline-demo-name', name()));

$('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('chat-text');
  const text = input.value.trim();
  if (!text) return;
  if (!demo.client || demo.client.state === 'closed') {
    log('info', 'connect first');
    return;
  }
  const message = chatMessage('says', { text });
  chat.pend(message);
  // queued while not OPEN, flushed in order on the next open
  if (!demo.client.send(JSON.stringify(message))) log('error', 'send queue is full');
  input.value = '';
});

globalThis.addEventListener('pagehide', () => demo.client && leave(demo.client));

$('server-line').textContent = `server ${config.server}${config.credentials ? ' · withCredentials' : ''}`;

// --- the other panels --------------------------------------------------------------
demo.upload = setupUpload({ config, onEvent: log });
demo.stats = setupStats({ config, onStats: () => {} });
demo.chaos = setupChaos({
  config,
  onAction: (action, dropped) => {
    if (action.action === 'failed') return log('error', action.message);
    const label = { refuse: `503 · ${action.seconds}s`, freeze: `freeze ${action.seconds}s`, 'block-websocket': 'block ws', 'unblock-websocket': 'unblock ws' }[action.action] ?? action.action;
    timeline.mark('chaos', label, { t: action.at });
    record('chaos', { ...action });
    log('chaos', `${label}${dropped ? ` (${dropped} sockets destroyed)` : ''}`);
  },
});

if (config.autoconnect) void connect();
renderStatus();
demo.ready = true;
