// The worker-poll panel: a second client, transport 'worker-poll' only, polling
// the server's status document from a Web Worker. Only changed documents (a new
// ETag) arrive as messages; the server counts the 304s it answered in between.
import { RealtimeClient } from '/dist/pushline.mjs';

const $ = (id) => globalThis.document.getElementById(id);
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/**
 * @param {{ config: object, onStats: (doc: object) => void }} options
 */
export function setupStats({ config, onStats }) {
  const state = { enabled: config.stats, updates: 0, last: null, lastAt: 0, state: config.stats ? 'closed' : 'off', errors: 0 };
  const render = () => {
    const pill = $('stats-state');
    pill.textContent = state.state;
    pill.dataset.state = state.state;
    $('stats-updates').textContent = state.enabled
      ? `${state.updates} update${state.updates === 1 ? '' : 's'}${state.lastAt ? ` · last ${time(state.lastAt)}` : ''}`
      : 'off (stats=0)';
    const d = state.last;
    if (!d) return;
    const tiles = {
      'stat-uptime': `${d.uptimeS}s`,
      'stat-ws': d.clients.websocket,
      'stat-sse': d.clients.sse,
      'stat-lp': d.clients.longPoll,
      'stat-upload': d.clients.upload,
      'stat-chat': d.chat.messages,
      'stat-uploads': `${d.uploads.completed}`,
      'stat-304': `${d.statusDoc.notModified} / ${d.statusDoc.ok}`,
    };
    for (const [id, value] of Object.entries(tiles)) $(id).textContent = String(value);
    $('stat-online').textContent = d.chat.online.length ? d.chat.online.join(', ') : 'nobody';
    $('stats-raw').textContent = JSON.stringify(d, null, 2);
  };
  render();
  if (!config.stats) return state;

  const client = new RealtimeClient(`${config.server}/status`, {
    transports: ['worker-poll'],
    pollIntervalMs: config.pollMs,
    withCredentials: config.credentials,
    reconnect: { initialDelayMs: config.initialDelayMs, maxDelayMs: config.maxDelayMs },
    connectTimeoutMs: config.connectTimeoutMs,
    ...(config.idleTimeoutMs > 0 ? { idleTimeoutMs: Math.max(config.idleTimeoutMs, 3 * config.pollMs) } : {}),
  });
  client.on('statechange', ({ state: s }) => {
    state.state = s;
    render();
  });
  client.on('error', () => state.errors++);
  client.on('message', (e) => {
    let doc;
    try {
      doc = JSON.parse(e.data);
    } catch {
      return;
    }
    state.updates++;
    state.last = doc;
    state.lastAt = Date.now();
    onStats(doc);
    render();
  });
  state.client = client;
  return state;
}
