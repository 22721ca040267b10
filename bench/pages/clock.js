// The page's wall clock, moved onto the bench server's. Node's and Chromium's
// `timeOrigin` are each read from the system clock once, at their own start, and
// can differ by a millisecond or more; the offset is taken NTP-style from the
// fastest of a few round trips to the server's `/clock`.

let offset = 0;

/** Wall-clock ms on the server's clock, sub-millisecond. */
export const wall = () => performance.timeOrigin + performance.now() + offset;

/** Measures the offset; returns it with the round trip it was taken from. */
export async function syncClock(base, rounds = 15) {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const server = Number(await (await fetch(`${base}/clock`, { cache: 'no-store' })).text());
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best) {
      best = t1 - t0;
      offset = server - (t0 + t1) / 2;
    }
  }
  return { offset, rttMs: best };
}
