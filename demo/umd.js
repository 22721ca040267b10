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

  function render() {
    var s = client ? client.state : 'closed';
    $('state-pill').textContent = s;
    $('state-pill').dataset.state = s;
    var rs = client ? client.readyState : 3;
    $('ready-state').textContent = rs + ' ' + READY[rs];
    $('transport').textContent = (client && client.transport) || '—';
    $('url').textContent = client ? client.url : '';
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
    text.textContent = m.type === 'says' ? m.text : m.type === 'join' ? ' joined via ' + m.via : ' left';
    var meta = document.createElement('small');
    meta.textContent = m.via + ' · #' + m.seq;
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
    var m = { type: type, name: $('chat-name').value.trim() || 'guest', cid: String(Date.now()) + Math.random(), via: (client && client.transport) || undefined };
    for (var k in extra) m[k] = extra[k];
    return JSON.stringify(m);
  }

  function connect() {
    if (client && client.state !== 'closed') client.close(1000, 'switching');
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
    ['connecting', 'open', 'close', 'reconnecting', 'fallback', 'statechange'].forEach(function (type) {
      c.on(type, function (e) {
        if (c !== client) return;
        var r = { type: type, state: e.state, transport: e.transport, attempt: e.attempt, delayMs: e.delayMs, code: e.code };
        state.records.push(r);
        if (type !== 'statechange') {
          log(type, type === 'reconnecting' ? 'attempt ' + e.attempt + ' in ' + Math.round(e.delayMs) + ' ms'
            : type === 'close' ? 'code ' + e.code + (e.willReconnect ? ', will reconnect' : ', final')
            : type === 'fallback' ? e.from + ' → ' + e.to
            : (e.transport || ''));
        }
        render();
      });
    });
    c.onerror = function (e) { log('error', e.error.name + ': ' + e.error.message); };
    c.onmessage = function (e) { onData(e.data); };
    c.on('chat', function (e) { onData(e.data); });
    c.send(message('join'));
    render();
  }

  $('build').textContent = typeof Pushline === 'object' ? 'pushline.umd.min.js' : 'missing';
  $('chat-name').value = q.get('name') || 'guest-' + Math.floor(100 + Math.random() * 900);
  $('transport-select').value = chains[q.get('transport')] ? q.get('transport') : 'websocket';
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', function () {
    if (client && client.state !== 'closed') client.close(1000, 'bye');
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
