// In the page: N event-stream clients, one per URL given (spread over many
// ports: Chromium keeps at most 6 HTTP/1.1 connections per origin), left open
// until the runner, which restarts the server underneath them, says the scenario
// is over.

export async function run({ kind, urls, base }) {
  const P = globalThis.Pushline;
  const make = {
    'pushline sse (native)': (url) => new P.RealtimeClient(url, { transports: ['sse'] }),
    'raw EventSource': (url) => new EventSource(url),
  }[kind];
  let errors = 0;
  const clients = urls.map((url) => {
    const c = make(url);
    c.onerror = () => errors++;
    return c;
  });
  await fetch(`${base}/storm/ready`, { method: 'POST' });
  // answered when the runner has seen every client back, or gave up
  await (await fetch(`${base}/storm/over`)).text();
  for (const c of clients) c.close();
  return { clients: clients.length, errors };
}
