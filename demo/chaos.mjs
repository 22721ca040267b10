// Chaos for the demo server: what a flaky network or server does to live
// connections, on demand. Three faults, each one a thing pushline must survive:
//
// - drop: every socket destroyed at once, no close frame, no final chunk (a crash);
// - refuse: for N seconds every transport request answers 503 with Retry-After,
//   and WebSocket upgrades get the same 503 (an overloaded server);
// - freeze: live connections stay open but nothing moves either way (a half-open
//   link: a NAT that forgot the flow, a laptop lid closed). The socket is paused
//   (nothing read) and corked (everything written waits in memory); connections
//   made during the freeze are frozen as they arrive. Only heartbeats and idle
//   timeouts can tell; when the freeze ends the sockets flow again.
//
// It tracks sockets, not requests: the server calls `live()` for every socket that
// carries a transport (a WebSocket, an SSE stream, a poll in flight).

/** Longest refusal or freeze accepted, in seconds. */
export const MAX_CHAOS_SECONDS = 300;

/**
 * @param {{ now?: () => number, onChange?: () => void }} [options]
 */
export function createChaos({ now = Date.now, onChange = () => {} } = {}) {
  /** @type {Set<import('node:net').Socket>} every socket of the server */
  const sockets = new Set();
  /** @type {Set<import('node:net').Socket>} sockets carrying a transport right now */
  const carrying = new Set();
  /** @type {Set<import('node:net').Socket>} sockets this module paused and corked */
  const frozen = new Set();
  let refuseUntil = 0;
  let freezeUntil = 0;
  let refuseTimer;
  let freezeTimer;
  let websocketBlocked = false;
  /** Every action so far, and the latest ones: pages mark actions they did not start themselves. */
  let actions = 0;
  /** @type {{ n: number, action: string, at: number, seconds?: number }[]} the latest few */
  const recent = [];
  const act = (action, seconds) => {
    recent.push({ n: ++actions, action, at: now(), ...(seconds === undefined ? {} : { seconds }) });
    if (recent.length > 20) recent.shift();
  };

  // something else (ws backpressure in the upload sink) may resume a frozen socket: pause it again
  function stayPaused() {
    if (frozen.has(this)) this.pause();
  }

  function freezeSocket(socket) {
    if (frozen.has(socket) || socket.destroyed) return;
    frozen.add(socket);
    socket.cork();
    socket.pause();
    socket.on('resume', stayPaused);
  }

  function thawAll() {
    for (const socket of frozen) {
      socket.off('resume', stayPaused);
      if (socket.destroyed) continue;
      socket.uncork();
      socket.resume();
    }
    frozen.clear();
  }

  const isFrozen = () => now() < freezeUntil;

  return {
    /** Tracks every socket of `server` (call once, before it listens). */
    track(server) {
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => {
          sockets.delete(socket);
          carrying.delete(socket);
          frozen.delete(socket);
        });
      });
    },

    /**
     * Marks `socket` as carrying a transport until `res` closes (or, without `res`,
     * until the socket closes: a WebSocket). Frozen at once while a freeze lasts.
     * @param {import('node:net').Socket} socket
     * @param {import('node:http').ServerResponse} [res]
     */
    live(socket, res) {
      carrying.add(socket);
      res?.on('close', () => carrying.delete(socket));
      if (isFrozen()) freezeSocket(socket);
    },

    /** Destroys every socket except `except` (the one asking, so its answer arrives). */
    drop(except) {
      act('drop');
      return this.destroyAll(except);
    },

    /** Destroys every socket except `except`, without counting it as an action. */
    destroyAll(except) {
      let count = 0;
      for (const socket of sockets) {
        if (socket === except) continue;
        socket.destroy();
        count++;
      }
      onChange();
      return count;
    },

    /** Refuses transports with 503 + Retry-After for `seconds`, after dropping every connection. */
    refuse(seconds, except) {
      refuseUntil = now() + seconds * 1000;
      clearTimeout(refuseTimer);
      refuseTimer = setTimeout(() => {
        refuseUntil = 0;
        onChange();
      }, seconds * 1000);
      refuseTimer.unref?.();
      act('refuse', seconds);
      return this.destroyAll(except);
    },

    /** Freezes every live connection, and every new one, for `seconds`. */
    freeze(seconds) {
      freezeUntil = now() + seconds * 1000;
      act('freeze', seconds);
      for (const socket of carrying) freezeSocket(socket);
      clearTimeout(freezeTimer);
      freezeTimer = setTimeout(() => this.thaw(), seconds * 1000);
      freezeTimer.unref?.();
      onChange();
      return frozen.size;
    },

    /** Ends a freeze now: frozen sockets read and write again. */
    thaw() {
      if (isFrozen()) act('thaw');
      clearTimeout(freezeTimer);
      freezeUntil = 0;
      thawAll();
      onChange();
    },

    /** Turns WebSocket refusal (403 on `/chat` upgrades) on or off, to show the fallback chain. */
    blockWebSocket(on) {
      if (on !== websocketBlocked) act(on ? 'block-websocket' : 'unblock-websocket');
      websocketBlocked = on;
      onChange();
    },

    /** Ends every fault. */
    reset() {
      if (this.refusing || isFrozen() || websocketBlocked) act('reset');
      clearTimeout(refuseTimer);
      refuseUntil = 0;
      websocketBlocked = false;
      this.thaw();
    },

    get refusing() {
      return now() < refuseUntil;
    },
    /** Seconds left of the refusal, rounded up: the `Retry-After` value. */
    get retryAfterSeconds() {
      return Math.max(1, Math.ceil((refuseUntil - now()) / 1000));
    },
    get frozen() {
      return isFrozen();
    },
    get websocketBlocked() {
      return websocketBlocked;
    },

    /** What `GET /chaos` answers. */
    state() {
      const t = now();
      return {
        refusing: t < refuseUntil,
        refuseRemainingMs: Math.max(0, refuseUntil - t),
        frozen: t < freezeUntil,
        freezeRemainingMs: Math.max(0, freezeUntil - t),
        frozenSockets: frozen.size,
        websocketBlocked,
        sockets: sockets.size,
        carrying: carrying.size,
        actions,
        recent: [...recent],
      };
    },

    /** Stops the timers (server shutdown). */
    close() {
      clearTimeout(refuseTimer);
      clearTimeout(freezeTimer);
      freezeUntil = 0;
      thawAll();
    },
  };
}

/**
 * Reads `seconds` from a chaos request: a number in (0, MAX_CHAOS_SECONDS].
 * @returns {number | undefined} undefined when invalid
 */
export function parseSeconds(raw, fallback) {
  const seconds = raw === null || raw === '' ? fallback : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_CHAOS_SECONDS ? seconds : undefined;
}
