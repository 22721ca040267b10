// The chaos panel: buttons for the server's /chaos endpoints, and the server's
// chaos state, polled once a second with plain fetch (the /chaos endpoints are
// never refused or frozen, so this keeps working while the transports do not).

const $ = (id) => globalThis.document.getElementById(id);

/**
 * @param {{ config: object, onAction: (action: { action: string, at: number, seconds?: number, message?: string }, dropped?: number) => void }} options
 */
export function setupChaos({ config, onAction }) {
  const state = { refusing: false, frozen: false, websocketBlocked: false, refuseRemainingMs: 0, freezeRemainingMs: 0 };
  const credentials = config.credentials ? 'include' : 'same-origin';

  const render = () => {
    const parts = [];
    if (state.refusing) parts.push(`refusing with 503 · ${Math.ceil(state.refuseRemainingMs / 1000)}s left`);
    if (state.frozen) parts.push(`frozen · ${Math.ceil(state.freezeRemainingMs / 1000)}s left`);
    if (state.websocketBlocked) parts.push('WebSocket blocked');
    const line = $('chaos-state');
    line.textContent = parts.length ? parts.join(' · ') : 'Server healthy.';
    line.dataset.healthy = String(!parts.length);
    $('chaos-block').checked = state.websocketBlocked;
  };

  // every action reaches the timeline once, whoever started it (this page, another tab, a test)
  let seen;
  const apply = (s) => {
    if (seen !== undefined) for (const action of s.recent) if (action.n > seen) onAction(action, s.dropped);
    seen = Math.max(seen ?? 0, s.actions);
    Object.assign(state, s);
    render();
  };

  async function post(path) {
    try {
      const res = await fetch(`${config.server}/chaos/${path}`, { method: 'POST', credentials });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      apply(await res.json());
    } catch (error) {
      onAction({ action: 'failed', at: Date.now(), message: `chaos ${path} failed: ${error.message}` });
    }
  }

  const seconds = (id) => Math.min(300, Math.max(1, Number($(id).value) || 5));
  $('chaos-drop').addEventListener('click', () => post('drop'));
  $('chaos-refuse').addEventListener('click', () => post(`refuse?seconds=${seconds('chaos-refuse-s')}`));
  $('chaos-freeze').addEventListener('click', () => post(`freeze?seconds=${seconds('chaos-freeze-s')}`));
  $('chaos-thaw').addEventListener('click', () => post('thaw'));
  $('chaos-reset').addEventListener('click', () => post('reset'));
  $('chaos-block').addEventListener('change', (e) => post(`block-websocket?on=${e.target.checked ? 1 : 0}`));

  const poll = async () => {
    if (globalThis.document.visibilityState === 'visible') {
      try {
        const res = await fetch(`${config.server}/chaos`, { credentials, cache: 'no-store' });
        if (res.ok) apply(await res.json());
      } catch {
        // the server is down or restarting: the transports report that better
      }
    }
    setTimeout(poll, 1000);
  };
  void poll();
  render();
  return state;
}
