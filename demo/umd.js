// The UMD flavour of the demo: the same chat room through the global `Pushline`
// that dist/pushline.umd.min.js defines, in a classic script. The core flow only:
// connect, state, chat. Query parameters as on the full page: transport, name,
// initialDelayMs, maxDelayMs, heartbeatMs, idleTimeoutMs, connectTimeoutMs.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var READY = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
  var q = new URLSearchParams(location.search);
  var num = function (key, fallback) {
    var value = Number(q.get(key));
    return q.has(key) && isFinite(value) && value >= 0 ? value : fallback;
  };
  var ws = location.origin.replace(/^http/, 'ws');
  var chains = {
    websocket: ['websocket'],
    sse: ['sse'],
    'long-poll': ['long-poll'],
    chain: ['websocket', 'sse', 'long-poll'],
  };
  var client = null;
  /** Bumped by every connect and disconnect: a connect still waiting for the old close gives way to a later one. */
  var generation = 0;
  var seen = {};
  var state = { records: [], messages: [] };
  window.umdDemo = state;

  function log(kind, text) {
    var li = document.createElement('li');
    var badge = document.createElement('span');
    badge.className = 'kind kind-' + kind;
    badge.textContent = kind;
    var body = document.createElement('span');
    body.textContent = text;
    li.append(badge, body);
    $('log').append(li);
    $('log').scrollTop = $('log').scrollHeight;
  }

  // Named as on the full page (demo/config.js): this page's SSE is always the
  // native EventSource (the client's default), so 'sse' says so.
  function nameOf(transport) {
    return transport === 'sse' ? 'sse (EventSource)' : transport || '—';
  }
  // What another tab's message came over: the full page puts its SSE mode in front
  // of the message id, since the chat room relays `via` as plain 'sse'.
  function viaName(m) {
    if (m.via !== 'sse') return m.via;
    var mode = /^(native|fetch)\./.exec(m.cid || '');
    return mode ? (mode[1] === 'fetch' ? 'sse (fetch)' : 'sse (EventSource)') : 'sse';
  }

  /** Writes only what changed: the status bar is a live region, and rewriting the same text re-announces it. */
  function setText(id, text) {
    if ($(id).textContent !== text) $(id).textContent = text;
  }

  function render() {
    var s = client ? client.state : 'closed';
    setText('state-pill', s);
    $('state-pill').dataset.state = s;
    var rs = client ? client.readyState : 3;
    setText('ready-state', rs + ' ' + READY[rs]);
    setText('transport', nameOf(client && client.transport));
    setText('url', client ? client.url : '');
  }

  function show(m) {
    if (!m || typeof m.seq !== 'number' || seen[m.seq]) return;
    seen[m.seq] = true;
    state.messages.push(m);
    var li = document.createElement('li');
    li.className = 'msg msg-' + m.type;
    var who = document.createElement('b');
    who.textContent = m.name;
    var text = document.createElement('span');
    text.className = 'text';
    text.textContent = m.type === 'says' ? m.text : m.type === 'join' ? ' joined via ' + viaName(m) : ' left';
    var meta = document.createElement('small');
    meta.textContent = viaName(m) + ' · #' + m.seq;
    li.append(who, text, meta);
    $('chat-list').append(li);
    $('chat-list').scrollTop = $('chat-list').scrollHeight;
  }

  function onData(data) {
    if (data === 'pong') return;
    try {
      var m = JSON.parse(data);
      if (m.type === 'join' || m.type === 'leave' || m.type === 'says') show(m);
    } catch (e) {
      log('message', String(data));
    }
  }

  function message(type, extra) {
    var via = (client && client.transport) || undefined;
    var id = String(Date.now()) + Math.random();
    var m = { type: type, name: $('chat-name').value.trim() || 'guest', cid: via === 'sse' ? 'native.' + id : id, via: via };
    for (var k in extra) m[k] = extra[k];
    return JSON.stringify(m);
  }

  /** Closes the client; calls `then` once its final close has been logged (at once for EventSource, after the handshake for WebSocket). */
  function disconnect(reason, then) {
    var c = client;
    if (!c || c.state === 'closed') return then && then();
    var off = c.on('close', function (e) {
      if (e.willReconnect) return;
      off();
      if (then) then();
    });
    c.close(1000, reason);
  }

  // the new client starts once the old one's close is logged, so every switch reads the same
  function connect() {
    var turn = ++generation;
    disconnect('switching', function () {
      if (turn === generation) start();
    });
  }

  function start() {
    var heartbeatMs = num('heartbeatMs', 4000);
    var idleTimeoutMs = num('idleTimeoutMs', 8000);
    var options = {
      transports: chains[$('transport-select').value],
      reconnect: { initialDelayMs: num('initialDelayMs', 1000), maxDelayMs: num('maxDelayMs', 15000) },
      connectTimeoutMs: num('connectTimeoutMs', 5000),
    };
    if (heartbeatMs > 0) options.heartbeat = { intervalMs: heartbeatMs };
    if (idleTimeoutMs > 0) options.idleTimeoutMs = idleTimeoutMs;
    var c = new Pushline.RealtimeClient(function (ctx) {
      return ctx.transport === 'websocket' ? ws + '/chat' : location.origin + '/events';
    }, options);
    client = c;
    var joined = false;
    var current = null;
    ['connecting', 'open', 'close', 'reconnecting', 'fallback', 'statechange'].forEach(function (type) {
      c.on(type, function (e) {
        if (c !== client) return;
        var r = { type: type, state: e.state, transport: e.transport, attempt: e.attempt, delayMs: e.delayMs, code: e.code };
        state.records.push(r);
        if (e.transport) current = e.transport;
        if (type !== 'statechange') {
          log(type, type === 'reconnecting' ? 'attempt ' + e.attempt + ' in ' + Math.round(e.delayMs) + ' ms'
            : type === 'close' ? nameOf(current) + ': code ' + e.code + (e.willReconnect ? ', will reconnect' : ', final')
            : type === 'fallback' ? nameOf(e.from) + ' → ' + nameOf(e.to)
            : nameOf(e.transport));
        }
        // joined once the transport is known, so the room says which one it was
        if (type === 'open' && !joined) {
          joined = true;
          c.send(message('join'));
        }
        render();
      });
    });
    c.onerror = function (e) { log('error', e.error.name + ': ' + e.error.message); };
    c.onmessage = function (e) { onData(e.data); };
    c.on('chat', function (e) { onData(e.data); });
    render();
  }

  $('build').textContent = typeof Pushline === 'object' ? 'pushline.umd.min.js' : 'missing';
  $('chat-name').value = q.get('name') || 'guest-' + Math.floor(100 + Math.random() * 900);
  $('transport-select').value = chains[q.get('transport')] ? q.get('transport') : 'websocket';
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', function () {
    generation++;
    disconnect('bye');
  });
  $('transport-select').addEventListener('change', function () { if (client && client.state !== 'closed') connect(); });
  $('chat-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = $('chat-text').value.trim();
    if (!text || !client || client.state === 'closed') return;
    client.send(message('says', { text: text }));
    $('chat-text').value = '';
  });
  setInterval(render, 500);
  if (q.get('autoconnect') !== '0') connect();
  state.ready = true;
})();
