// The mutations of `npm run mutate`: guard and ordering lines of the core, each with
// what it protects. `find` must occur exactly once in `file`; `tests` defaults to test/unit.
const C = 'src/client/client.ts';
const R = 'src/client/reconnector.ts';
const P = 'src/client/send-pump.ts';
const S = 'src/transports/http/sender.ts';
const I = ['test/unit', 'test/integration'];

export const MUTATIONS = [
  // --- transitions: commit first, then dispatch, stop when a listener changed the course
  { file: C, why: 'announce stops after a listener changed the course', find: 'if (gen !== this.#gen || state !== this.#state) return false;', replace: '' },
  { file: C, why: 'announce also notices a state change (close() with no live transport)', find: 'if (gen !== this.#gen || state !== this.#state) return false;', replace: 'if (gen !== this.#gen) return false;' },
  { file: C, why: "a shouldReconnect listener that changed the course wins", find: 'if (gen !== this.#gen || state !== this.#state) return; // the app', replace: 'if (false) return; // the app' },
  { file: C, why: 'sinks of stale transports are ignored', find: 'const current = (): boolean => gen === this.#gen;', replace: 'const current = (): boolean => true;' },
  { file: C, why: 'a stale close is ignored', find: 'if (gen !== this.#gen) return;\n    const state = this.#state;', replace: 'const state = this.#state;' },
  { file: C, why: 'close() marks the client ended', find: 'const request = validateClose(code, reason);\n    this.#ended = true;', replace: 'const request = validateClose(code, reason);' },
  { file: C, why: 'a second close() does nothing', find: "if (this.#state === 'closing' || this.#state === 'closed') return;\n    const live", replace: "if (this.#state === 'closed') return;\n    const live" },
  { file: C, why: 'a close during the closing handshake is the final one', find: "if (state === 'closing') return this.#finish", replace: "if (false) return this.#finish" },
  { file: C, why: 'an attempt that never opened hands over to the next transport', find: "if (state === 'connecting' && next > 0 && !misconfigured)", replace: 'if (false)' },
  { file: C, why: 'a round starts from the transport that last opened', find: 'this.#preferred = this.#index;', replace: '' },
  { file: C, why: 'the backoff resets only after minUptimeMs of uptime', find: 'this.#phase(this.#o.reconnect.minUptimeMs, () => this.#policy.proven());', replace: 'this.#policy.proven();' },
  { file: C, why: 'connectTimeoutMs also covers the url function', find: 'this.#phase(ms, () => this.#fail(gen, new ConnectTimeoutError(ms)));\n    let url', replace: 'let url' },
  { file: C, why: 'a url function must return a string or URL', find: "if (typeof raw !== 'string' && !(raw instanceof URL)) throw", replace: 'if (false) throw' },
  { file: C, why: 'a missing constructor is never tried again', find: 'entry.dead = true;', replace: '' },
  { file: C, why: 'the final close stops the send pump', find: 'this.#unwatch = undefined;\n    this.#pump.stop();', replace: 'this.#unwatch = undefined;' },
  { file: C, why: 'close() aborts in-flight uploads', find: 'this.#reopen = false;\n    this.#uploads?.abort();', replace: 'this.#reopen = false;' },
  { file: C, why: 'the final close aborts in-flight uploads', find: 'this.#pump.stop();\n    this.#uploads?.abort();', replace: 'this.#pump.stop();' },
  { file: C, why: "server events named like the client's own arrive as messages", find: "if (renamed) type = 'message';", replace: '' },
  { file: C, why: "a parsed message is an event of the client's own, never the browser's", find: 'if (native && (parse || renamed || !own))', replace: 'if (native && (renamed || !own))' },
  { file: C, why: "an event renamed to message is the client's own", find: 'if (native && (parse || renamed || !own))', replace: 'if (native && (parse || !own))' },
  { file: C, why: 'offline holds only while an online event can end the hold', find: 'if (l.online && l.offline && isOffline()', replace: 'if (l.offline && isOffline()' },
  { file: C, why: 'offline never holds a server on this machine', find: '&& !isLocal(this.#url)', replace: '' },
  { file: C, why: 'a paused client waits for visible', find: "if (l.hidden === 'pause' && isHidden()) {", replace: 'if (false) {' },
  { file: C, why: 'the first statechange comes after the constructor returned', find: "if (gen === this.#gen && this.#announce(['statechange', { state: 'connecting', previous: 'closed', readyState: CONNECTING }])) void this.#attempt();", replace: 'if (gen === this.#gen) void this.#attempt();' },
  // --- the reconnect decision
  { file: R, why: 'one fresh-credentials retry per streak', find: '&& !this.#authSpent &&', replace: '&&' },
  { file: R, why: 'the fresh-credentials retry is spent', find: 'this.#authSpent ||= refresh;', replace: '' },
  { file: R, why: 'maxAttempts is a bound', find: 'this.attempt >= this.#policy.maxAttempts', replace: 'this.attempt > this.#policy.maxAttempts' },
  { file: R, why: "a retry: hint ends with the connect cycle", find: 'this.proven();\n    this.#hintMs = 0;', replace: 'this.proven();' },
  { file: 'src/policy/policy.ts', why: 'server hints are capped', find: 'Math.min(hintMs, policy.maxHintMs)', replace: 'hintMs' },
  // --- the send pump
  { file: P, why: "'drop-oldest' never evicts a send already handed to a transport", find: 'const oldest = this.#items.findIndex((item) => !item.sent);', replace: 'const oldest = this.#items.length ? 0 : -1;' },
  { file: P, why: "nothing evictable: refuse instead of looping", find: "if (overflow === 'reject' || oldest < 0 ||", replace: "if (overflow === 'reject' ||" },
  { file: P, why: 'an HTTP send abandoned by stop() does not settle the queue', find: 'if (stop !== this.#stop) return;', replace: '' },
  // --- HTTP sends (the HTTP transports retry them)
  { file: S, why: 'a 4xx that retrying cannot fix drops the message', find: 'if (!isSendRetryable(error.status)) return report(', replace: 'if (false) return report(' },
  { file: S, why: 'each HTTP send is bounded by connectTimeoutMs', find: 'ctl.abort(new ConnectTimeoutError(o.connectTimeoutMs))', replace: 'void 0' },
  { file: S, why: 'a send abandoned by the final close reports nothing', find: 'if (signal.aborted) throw error;', replace: '' },
  { file: S, why: 'Retry-After floors the retry of a send', find: 'nextDelay(o.reconnect, ++failures, retryAfterMs)', replace: 'nextDelay(o.reconnect, ++failures)' },
  { file: P, why: 'after a reconnect the unacknowledged go again first', find: 'this.#target = target;\n    this.#written = 0;', replace: 'this.#target = target;' },
  { file: P, why: 'acks are cumulative up to and including seq', find: 'this.#items[0].seq <= seq', replace: 'this.#items[0].seq < seq' },
  // --- messages(), liveness, events, close validation
  { file: 'src/client/messages.ts', why: 'messages() of a closed client ends at once', find: 'if (ended || signal?.aborted) stop();', replace: 'if (signal?.aborted) stop();' },
  { file: 'src/client/messages.ts', why: 'concurrent next() calls settle in order', find: 'const resolve = waiting.shift();', replace: 'const resolve = waiting.pop();' },
  { file: 'src/client/liveness.ts', why: 'silence past the deadline fails the connection', find: 'if (quiet >= STEPS) {', replace: 'if (quiet >= STEPS * 2) {' },
  { file: 'src/client/liveness.ts', why: 'inbound data proves liveness', find: 'quiet = watch.seen ? 0 : quiet + 1;', replace: 'quiet = quiet + 1;' },
  { file: 'src/client/events.ts', why: 'a listener removed during dispatch does not run', find: 'if (e.removed) continue;', replace: '' },
  { file: 'src/client/events.ts', why: 'the same listener twice is one listener', find: 'if (list?.some((e) => e.fn === listener && e.capture === capture)) return;', replace: '' },
  { file: 'src/client/events.ts', why: 'a throwing listener does not stop the others', find: '} catch (error) {\n        report(error);\n      }\n      // stop', replace: '} finally {\n      }\n      // stop' },
  { file: 'src/policy/options.ts', why: 'what the app set of an option group is merged over the defaults', find: '(given ? { ...defaults, ...given } : (defaults as T))', replace: '(defaults as T)' },
  { file: 'src/policy/close.ts', why: "a reason without a code (even '') goes out with 1000", find: 'reason === undefined ? undefined : 1000', replace: 'text ? 1000 : undefined' },
  // --- transports
  { file: 'src/transports/websocket.ts', why: 'heartbeat replies are liveness only', find: 'reply !== undefined && e.data === reply', replace: 'false' },
  { file: 'src/transports/websocket.ts', why: 'a failed handshake is a typed error', find: 'failed !== undefined || !opened ?', replace: 'failed !== undefined && opened ?' },
  { file: 'src/transports/long-poll.ts', why: 'an empty answer at once backs off instead of spinning', find: 'if (events || cursor !== before || held()) {', replace: 'if (true) {', tests: I },
  { file: 'src/transports/sse-native.ts', why: 'one EventSource listener per event name', find: 'named.has(type) || (', replace: '(' },
  { file: 'src/transports/sse-native.ts', why: "after a resume, a fresh EventSource's events carry the resumed id", find: 'else if (cursor === id) sink.message', replace: 'else if (true) sink.message' },
  { file: 'src/transports/sse-native.ts', why: "native SSE lets the EventSource make the first reconnection", find: 'if (es.readyState === 0 && opened && !healing) {', replace: 'if (false) {', tests: I },
];
