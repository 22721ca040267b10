// The upload panel: `client.upload(file)` over its own WebSocket, with progress
// (sent vs acknowledged), throughput, the number of upload sockets it took (one
// more per resume after a drop), and the server's sha256 compared with one the
// page computes with WebCrypto.
import { RealtimeClient } from '/dist/pushline.mjs';

const MB = 1024 * 1024;
/** WebCrypto has no streaming digest: larger files are not hashed in the page. */
const MAX_PAGE_HASH = 512 * MB;
const $ = (id) => globalThis.document.getElementById(id);
const mb = (bytes) => (bytes / MB).toFixed(1);

async function sha256(blob) {
  const hash = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param {{ config: object, onEvent: (kind: string, text: string) => void }} options
 */
export function setupUpload({ config, onEvent }) {
  const state = {
    phase: 'idle', name: '', total: 0, sent: 0, acked: 0, sockets: 0,
    mbps: 0, serverSha: '', pageSha: '', match: null, error: '',
  };
  let abort;
  let file;

  // the upload's sockets, counted through the WebSocket constructor pushline lets us inject
  class CountingWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      state.sockets++;
      if (state.sockets > 1) onEvent('upload', `upload socket #${state.sockets}: resuming from ${mb(state.acked)} MB`);
      render();
    }
  }

  const render = () => {
    const total = state.total || 1;
    $('upload-sent').style.width = `${(100 * state.sent) / total}%`;
    $('upload-acked').style.width = `${(100 * state.acked) / total}%`;
    $('upload-progress').setAttribute('aria-valuenow', String(Math.round((100 * state.acked) / total)));
    $('upload-numbers').textContent = state.total
      ? `${mb(state.acked)} / ${mb(state.total)} MB acknowledged · ${mb(state.sent)} MB sent · ${state.mbps.toFixed(1)} MB/s`
      : 'No upload yet.';
    $('upload-sockets').textContent = state.sockets
      ? `${state.sockets} socket${state.sockets > 1 ? 's' : ''}${state.sockets > 1 ? ` (resumed ${state.sockets - 1}×)` : ''}`
      : '';
    $('upload-phase').textContent = state.phase;
    $('upload-phase').dataset.phase = state.phase;
    $('sha-server').textContent = state.serverSha || '—';
    $('sha-page').textContent = state.pageSha || '—';
    const verdict = $('sha-verdict');
    verdict.textContent = state.match === null ? '' : state.match ? '✓ match' : '✗ mismatch';
    verdict.dataset.match = String(state.match);
    $('upload-start').disabled = !file || state.phase === 'uploading';
    $('upload-abort').disabled = state.phase !== 'uploading';
  };

  const choose = (f) => {
    file = f;
    $('upload-file-name').textContent = f ? `${f.name} · ${mb(f.size)} MB` : 'no file chosen';
    render();
  };

  $('upload-file').addEventListener('change', (e) => choose(e.target.files?.[0]));
  $('upload-generate').addEventListener('click', () => {
    const size = Math.max(1, Number($('upload-size').value) || 32) * MB;
    const parts = [];
    for (let i = 0; i < size; i += 65536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, size - i))));
    choose(new File(parts, `random-${size / MB}MB.bin`, { type: 'application/octet-stream' }));
  });
  $('upload-abort').addEventListener('click', () => abort?.abort());
  $('upload-start').addEventListener('click', () => void start());

  async function start() {
    if (!file || state.phase === 'uploading') return;
    const f = file;
    Object.assign(state, { phase: 'uploading', name: f.name, total: f.size, sent: 0, acked: 0, sockets: 0, mbps: 0, serverSha: '', pageSha: '', match: null, error: '' });
    render();
    abort = new AbortController();
    const client = new RealtimeClient(`${config.ws}/upload`, {
      autoConnect: false,
      reconnect: { initialDelayMs: config.initialDelayMs, maxDelayMs: config.maxDelayMs },
      connectTimeoutMs: config.connectTimeoutMs,
      upload: { url: `${config.ws}/upload` },
      WebSocket: CountingWebSocket,
    });
    const hashed = f.size <= MAX_PAGE_HASH ? sha256(f) : Promise.resolve('(not computed: file over 512 MB)');
    hashed.then((hex) => {
      state.pageSha = hex;
      render();
    });
    const t0 = performance.now();
    onEvent('upload', `upload of ${f.name} (${mb(f.size)} MB) started`);
    try {
      const result = await client.upload(f, {
        signal: abort.signal,
        onProgress: ({ sent, acked }) => {
          state.sent = sent;
          state.acked = acked;
          state.mbps = acked / MB / Math.max(0.001, (performance.now() - t0) / 1000);
          render();
        },
      });
      state.acked = state.sent = result.size;
      state.serverSha = result.sha256;
      state.pageSha = await hashed;
      state.match = state.pageSha.length === 64 ? state.pageSha === result.sha256 : null;
      state.phase = 'done';
      onEvent('upload', `upload done: ${mb(result.size)} MB, sha256 ${result.sha256.slice(0, 16)}… ${state.match ? 'matches' : 'DOES NOT match'} the page's`);
    } catch (error) {
      state.phase = error.name === 'AbortError' ? 'aborted' : 'failed';
      state.error = `${error.name}: ${error.message}`;
      onEvent('error', `upload ${state.phase}: ${state.error}`);
    }
    render();
  }

  render();
  return state;
}
