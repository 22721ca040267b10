// In the page: what the candidate pieces of a per-message path cost on their own
// (ns per operation, median of 7 repetitions), so a design choice for the inbound
// hot path can be priced: creating the event object, dispatching it, reading its
// fields. Run with and without DevTools: the protocol makes DOM events dearer.

const sink = [];
let keep;

const OPS = {
  'new MessageEvent(type, { data, lastEventId, origin })': (d) => new MessageEvent('message', { data: d, lastEventId: '', origin: 'http://127.0.0.1' }),
  'new MessageEvent(type, { data })': (d) => new MessageEvent('message', { data: d }),
  'new Event(type) + Object.assign(data)': (d) => Object.assign(new Event('message'), { payload: d }),
  'a plain object { type, data, lastEventId, origin }': (d) => ({ type: 'message', data: d, lastEventId: '', origin: 'http://127.0.0.1' }),
  'a class instance with the same 4 fields': (d) => new Plain('message', d, '', 'http://127.0.0.1'),
  'the same class, prototype chained to MessageEvent.prototype (instanceof MessageEvent)': (d) => new Shaped('message', d, '', 'http://127.0.0.1'),
};

class Plain {
  constructor(type, data, lastEventId, origin) {
    this.type = type;
    this.data = data;
    this.lastEventId = lastEventId;
    this.origin = origin;
  }
}

// own data properties (class fields: defined, not assigned) shadow MessageEvent.prototype's
// accessors, so reading them never reaches Blink
class Shaped {
  type;
  data;
  lastEventId;
  origin;
  constructor(type, data, lastEventId, origin) {
    this.type = type;
    this.data = data;
    this.lastEventId = lastEventId;
    this.origin = origin;
  }
}
Object.setPrototypeOf(Shaped.prototype, MessageEvent.prototype);

function time(label, reps, fn) {
  const results = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    fn(reps);
    results.push(((performance.now() - t0) * 1e6) / reps);
  }
  results.sort((a, b) => a - b);
  return { what: label, ns: results[3] };
}

export async function run({ reps = 100000 }) {
  const out = [];
  const data = 'x'.repeat(64);
  for (const [label, make] of Object.entries(OPS)) {
    out.push(time(label, reps, (n) => {
      for (let i = 0; i < n; i++) keep = make(data);
    }));
  }
  // dispatch paths with one listener
  const target = new EventTarget();
  let count = 0;
  const listener = (e) => {
    count += e.data.length;
  };
  target.addEventListener('message', listener);
  const event = new MessageEvent('message', { data });
  out.push(time('EventTarget.dispatchEvent(a new MessageEvent), 1 listener', reps / 4, (n) => {
    for (let i = 0; i < n; i++) target.dispatchEvent(new MessageEvent('message', { data }));
  }));
  out.push(time('EventTarget.dispatchEvent(the same event again), 1 listener', reps / 4, (n) => {
    for (let i = 0; i < n; i++) target.dispatchEvent(event);
  }));
  const list = [listener];
  out.push(time('a listener array called directly with a new MessageEvent', reps, (n) => {
    for (let i = 0; i < n; i++) {
      const e = new MessageEvent('message', { data });
      for (const l of list) l.call(target, e);
    }
  }));
  out.push(time('a listener array called directly with a plain object', reps, (n) => {
    for (let i = 0; i < n; i++) {
      const e = { type: 'message', data, lastEventId: '', origin: '' };
      for (const l of list) l.call(target, e);
    }
  }));
  out.push(time('reading e.data + e.origin + e.lastEventId of a MessageEvent', reps, (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += event.data.length + event.origin.length + event.lastEventId.length;
    keep = s;
  }));
  out.push(time('Date.now()', reps, (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Date.now();
    keep = s;
  }));
  out.push(time('performance.now()', reps, (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += performance.now();
    keep = s;
  }));
  sink.push(keep, count);
  return out;
}
